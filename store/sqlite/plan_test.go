package sqlite

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"wijkhelpt"
)

func openTest(tb testing.TB, opts ...Option) *DB {
	tb.Helper()
	db, err := Open(tb.Context(), tb.TempDir(), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(context.Background()); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// plan returns SQLite's query plan for query, one line per step.
func plan(tb testing.TB, db *DB, query string, args ...any) []string {
	tb.Helper()
	rows, err := db.rpool.QueryContext(tb.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		tb.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			tb.Fatal(err)
		}
		out = append(out, detail)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// A full scan reads a table, or an index without a range, from end to end.
var fullScan = regexp.MustCompile(`^SCAN (requests|offers|messages|request_offers|message_status)\b`)

// TestQueryPlansUseIndexes checks that every list query finds its rows
// through an index: none reads a whole table of documents, and none sorts
// documents (a subquery may sort IDs, and the caller then sorts the page).
func TestQueryPlansUseIndexes(t *testing.T) {
	db := openTest(t)
	now := time.Now()
	type q struct {
		name  string
		query string
		args  []any
		// scan is true for a list without a filter, which reads an index
		// in order until the page is full.
		scan bool
	}
	var qs []q
	add := func(name, query string, args []any, scan bool) { qs = append(qs, q{name, query, args, scan}) }
	live := []wijkhelpt.RequestStatus{wijkhelpt.RequestOpen, wijkhelpt.RequestProposed, wijkhelpt.RequestMatched}
	for name, f := range map[string]wijkhelpt.RequestFilter{
		"requests/one status":       {Statuses: live[:1]},
		"requests/statuses":         {Statuses: live},
		"requests/phone":            {Phone: "+31612345678"},
		"requests/phone and status": {Phone: "+31612345678", Statuses: live},
		"requests/offer":            {OfferID: "o1"},
		"requests/offer and status": {OfferID: "o1", Statuses: live, Phone: "+31612345678"},
	} {
		query, args, _ := findRequestsQuery(f)
		add(name, query, args, false)
	}
	query, args, _ := findRequestsQuery(wijkhelpt.RequestFilter{After: "x"})
	add("requests/all", query, args, true)
	add("requests/feed", `SELECT doc FROM requests WHERE revision > ? ORDER BY revision LIMIT ?`, []any{1, 100}, false)
	add("requests/due", requestsDueSQL, []any{millis(now), 100}, false)
	add("requests/pending messages", requestsPendingSQL, []any{100}, true)
	add("requests/by token", `SELECT doc FROM requests WHERE token_hash = ? AND token_hash <> '' LIMIT 1`, []any{"h"}, false)

	for name, f := range map[string]wijkhelpt.OfferFilter{
		"offers/phone":      {Phone: "+31612345678", Query: "bert"},
		"offers/user":       {UserID: "u1"},
		"offers/phone user": {Phone: "+31612345678", UserID: "u1"},
	} {
		query, args := findOffersQuery(f)
		add(name, query, args, false)
	}
	query, args = findOffersQuery(wijkhelpt.OfferFilter{Query: "bert"})
	add("offers/name", query, args, true)
	add("offers/feed", `SELECT doc FROM offers WHERE revision > ? ORDER BY revision LIMIT ?`, []any{1, 100}, false)

	states := []wijkhelpt.DeliveryState{wijkhelpt.DeliveryCallback, wijkhelpt.DeliveryFailed}
	for name, f := range map[string]wijkhelpt.DeliveryFilter{
		"messages/state":              {States: states[:1]},
		"messages/states":             {States: states},
		"messages/channel":            {Channel: wijkhelpt.ChannelCallback},
		"messages/template":           {Template: "t"},
		"messages/request":            {RequestID: "r1"},
		"messages/to":                 {To: "+31612345678"},
		"messages/state and channel":  {States: states[:1], Channel: wijkhelpt.ChannelCallback},
		"messages/request and states": {RequestID: "r1", States: states},
	} {
		query, args, _ := findMessagesQuery(f)
		add(name, query, args, false)
	}
	query, args, _ = findMessagesQuery(wijkhelpt.DeliveryFilter{})
	add("messages/all", query, args, true)
	add("messages/due", dueMessagesSQL, []any{millis(now), millis(now), 20}, false)
	add("messages/by sid", `SELECT doc FROM messages WHERE sid = ?`, []any{"SM1"}, false)
	add("message status", `SELECT sid, status FROM message_status WHERE sid IN (SELECT value FROM json_each(?))`,
		[]any{`["SM1"]`}, false)

	for _, q := range qs {
		t.Run(q.name, func(t *testing.T) {
			steps := plan(t, db, q.query, q.args...)
			for _, s := range steps {
				if fullScan.MatchString(s) && !(q.scan && strings.Contains(s, "USING")) {
					t.Errorf("plan reads a whole table: %q\nquery: %s\nplan: %q", s, q.query, steps)
				}
				if strings.Contains(s, "USE TEMP B-TREE") && !strings.Contains(q.query, "rowid IN (SELECT rowid") {
					t.Errorf("plan sorts documents: %q\nquery: %s\nplan: %q", s, q.query, steps)
				}
			}
			if testing.Verbose() {
				t.Logf("%s\n%s", q.query, strings.Join(steps, "\n"))
			}
		})
	}
}
