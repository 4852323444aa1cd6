package store_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"wijkhelpt"
	"wijkhelpt/store"
)

// TestEmbeddedLooksUpByIDWithAnIndex checks that, on a database opened
// through Embedded.Open, the statements FerretDB runs to read, update and
// delete one document by _id are index searches in every collection, not
// table scans.
func TestEmbeddedLooksUpByIDWithAnIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data dir") // a space: the file URL is escaped
	ctx := t.Context()
	e := startEmbedded(t, dir)
	for range 2 { // opening again finds the indexes there
		db, err := e.Open(ctx, "wijkhelpt")
		if err != nil {
			t.Fatal(err)
		}
		r, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error { return r.AddNote("x", mediator, t0) }); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}

	file := filepath.Join(dir, "wijkhelpt.sqlite")
	s, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: filepath.ToSlash(file), RawQuery: "mode=ro"}).String())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			t.Fatal(err)
		}
		tables[name] = table
	}
	rows.Close()
	for _, want := range []string{"requests", "offers", "messages", "leases", "optouts", "inbound"} {
		if tables[want] == "" {
			t.Errorf("collection %s does not exist after Open", want)
		}
	}
	for name, table := range tables {
		// FerretDB v1.24's own statements for one document by _id.
		for _, stmt := range []string{
			`SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' = ?`,
			`UPDATE %q SET _ferretdb_sjson = ? WHERE _ferretdb_sjson->'$._id' = ?`,
			`DELETE FROM %q WHERE _ferretdb_sjson->'$._id' = ?`,
		} {
			q := fmt.Sprintf(stmt, table)
			if plan := queryPlan(t, s, q); !strings.Contains(plan, "USING INDEX") {
				t.Errorf("%s: %s\nplan: %s; want an index search", name, q, plan)
			}
		}
	}
}

func queryPlan(t *testing.T, s *sql.DB, q string) string {
	t.Helper()
	args := []any{`"x"`}
	if strings.Count(q, "?") == 2 {
		args = append(args, `"y"`)
	}
	rows, err := s.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

func TestEmbeddedOpenRefusesBadNames(t *testing.T) {
	e := startEmbedded(t, t.TempDir())
	for _, name := range []string{"", "../x", "a/b", "a.b"} {
		if db, err := e.Open(t.Context(), name); err == nil {
			_ = db.Close(t.Context())
			t.Errorf("Open(%q) succeeded; want an error", name)
		}
	}
}

// BenchmarkFindRequest1000 reads one request among a thousand by _id, on a
// database opened through Embedded.Open (an index search) and, as the
// baseline, on one opened by URI (FerretDB as it is: a table scan).
func BenchmarkFindRequest1000(b *testing.B) {
	e, err := store.StartEmbedded(b.Context(), b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	open := map[string]func(name string) (*store.DB, error){
		"indexed":       func(name string) (*store.DB, error) { return e.Open(b.Context(), name) },
		"baseline-scan": func(name string) (*store.DB, error) { return store.Open(b.Context(), e.URI(), name) },
	}
	for _, name := range []string{"indexed", "baseline-scan"} {
		db, err := open[name](strings.ReplaceAll(name, "-", "_"))
		if err != nil {
			b.Fatal(err)
		}
		reqs := make([]*wijkhelpt.Request, 1000)
		for i := range reqs {
			reqs[i] = newRequest(b, "", fmt.Sprintf("+316100%05d", i))
		}
		if _, err := db.InsertRequests(b.Context(), reqs); err != nil {
			b.Fatal(err)
		}
		id := reqs[500].ID
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.FindRequest(b.Context(), id); err != nil {
					b.Fatal(err)
				}
			}
		})
		_ = db.Close(b.Context())
	}
}
