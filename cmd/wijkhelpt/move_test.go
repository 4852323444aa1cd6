package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

// fillEveryCollection loads the demo set into the store of env and adds a
// document to each collection the demo leaves empty, so that a move is
// tested on every collection an export holds.
func fillEveryCollection(tb testing.TB, env func(string) string) {
	tb.Helper()
	if _, _, err := runCmd(tb, env, "", "demo"); err != nil {
		tb.Fatal(err)
	}
	if _, _, err := runCmd(tb, env, "", "token", "create", "--role", "phone", "--name", "move"); err != nil {
		tb.Fatal(err)
	}
	withServices(tb, env, func(s *services) {
		ctx := context.Background()
		now := time.Now()
		rs, err := s.db.FindRequests(ctx, wijkhelpt.RequestFilter{Limit: 3})
		if err != nil || len(rs) == 0 {
			tb.Fatalf("demo requests: %v (%d)", err, len(rs))
		}
		for i, r := range rs {
			d := &wijkhelpt.Delivery{Key: r.ID + "/received", RequestID: r.ID, Channel: wijkhelpt.ChannelSMS,
				To: r.Contact.Phone, Template: "request_received", Lang: "nl", Body: "WijkHelpt: we hebben uw vraag.",
				DueAt: now, State: wijkhelpt.DeliverySent, SID: "SM" + strings.Repeat("0", 31) + string(rune('a'+i)),
				CreatedAt: now, UpdatedAt: now}
			if _, err := s.db.InsertMessage(ctx, d); err != nil {
				tb.Fatal(err)
			}
			if _, err := s.db.RecordMessageStatus(ctx, d.SID, "delivered", 0, now); err != nil {
				tb.Fatal(err)
			}
			if err := s.db.Audit(ctx, wijkhelpt.Actor("mediator:move"), "view_request", r.ID, now); err != nil {
				tb.Fatal(err)
			}
		}
		if err := s.db.SetOptOut(ctx, "+31612345678", true, now); err != nil {
			tb.Fatal(err)
		}
		if err := s.db.PutCachedLocation(ctx, "3961AB|12", rs[0].Location); err != nil {
			tb.Fatal(err)
		}
	})
}

// dumpAll reads every collection of st, by _id.
func dumpAll(tb testing.TB, st store.Store) map[string]map[string]bson.Raw {
	tb.Helper()
	out := map[string]map[string]bson.Raw{}
	for _, c := range store.Collections {
		out[c] = map[string]bson.Raw{}
		err := st.Dump(context.Background(), c, func(doc bson.Raw) error {
			id := doc.Lookup("_id").String()
			out[c][id] = bytes.Clone(doc)
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// sameDocuments compares two dumps, document by document.
func sameDocuments(tb testing.TB, what string, want, got map[string]map[string]bson.Raw) {
	tb.Helper()
	for _, c := range store.Collections {
		if len(got[c]) != len(want[c]) {
			tb.Errorf("%s: %s holds %d documents, want %d", what, c, len(got[c]), len(want[c]))
		}
		for id, w := range want[c] {
			g, ok := got[c][id]
			if !ok {
				tb.Errorf("%s: %s lacks document %s", what, c, id)
				continue
			}
			if bytes.Equal(g, w) {
				continue
			}
			var wd, gd bson.D
			if err := bson.Unmarshal(w, &wd); err != nil {
				tb.Fatal(err)
			}
			if err := bson.Unmarshal(g, &gd); err != nil {
				tb.Fatal(err)
			}
			if diff := cmp.Diff(wd, gd); diff != "" {
				tb.Errorf("%s: %s document %s differs (-want +got):\n%s", what, c, id, diff)
			}
		}
	}
}

// TestMoveBetweenStores moves a desk as the README says: export from the
// embedded store, import into MongoDB (the FerretDB fixture, or the server
// of WIJKHELPT_TEST_MONGODB_URI) and into a fresh embedded store, and finds
// every document of every collection in both, unchanged. A second import
// adds nothing, and the moved store takes new writes above every moved
// revision.
func TestMoveBetweenStores(t *testing.T) {
	src := testEnv(t)
	fillEveryCollection(t, src)
	file := filepath.Join(t.TempDir(), "desk.jsonl")
	if _, stderr, err := runCmd(t, src, "", "export", "--out", file); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	var want map[string]map[string]bson.Raw
	withServices(t, src, func(s *services) { want = dumpAll(t, s.db) })
	for _, c := range []string{"users", "tokens", "offers", "requests", "messages", "message_status", "optouts", "geocache", "audit"} {
		if len(want[c]) == 0 {
			t.Fatalf("the source has no %s: the move would not be tested on them", c)
		}
	}

	// Into another embedded store, with the command.
	dst := testEnv(t)
	out, stderr, err := runCmd(t, dst, "", "import-all", file)
	if err != nil {
		t.Fatalf("import-all: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "requests ") {
		t.Errorf("import-all should say what it stored, said %q", out)
	}
	withServices(t, dst, func(s *services) { sameDocuments(t, "embedded -> embedded", want, dumpAll(t, s.db)) })
	out, _, err = runCmd(t, dst, "", "import-all", file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Nieuw opgeslagen: users 0, tokens 0, offers 0, requests 0, messages 0") {
		t.Errorf("a second import-all should store nothing new, said %q", out)
	}

	// Into MongoDB, with the same file.
	mongo := storetest.OpenMongo(t)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := store.Import(context.Background(), mongo, f); err != nil {
		t.Fatal(err)
	}
	sameDocuments(t, "embedded -> MongoDB", want, dumpAll(t, mongo))
	var top int64
	for _, raw := range want["requests"] {
		top = max(top, raw.Lookup("revision").Int64())
	}
	for _, raw := range want["offers"] {
		top = max(top, raw.Lookup("revision").Int64())
	}
	var anyID string
	for id := range want["requests"] {
		anyID = strings.Trim(id, `"`)
		break
	}
	r, err := mongo.UpdateRequest(context.Background(), anyID, func(r *wijkhelpt.Request) error {
		return r.AddNote("Na de verhuizing.", wijkhelpt.ActorSystem, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Revision <= top {
		t.Errorf("a write after the move got revision %d, at or below the moved %d: followers would miss it", r.Revision, top)
	}
}

// TestImportRefusesACutFile stops at a file that lacks its last line, so a
// copy cut short is not taken for a whole desk.
func TestImportRefusesACutFile(t *testing.T) {
	src := testEnv(t)
	if _, _, err := runCmd(t, src, "", "demo"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, src, "", "export")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(out, "\n")
	cut := writeFile(t, "cut.jsonl", strings.Join(lines[:len(lines)/2], ""))
	_, _, err = runCmd(t, testEnv(t), "", "import-all", cut)
	if err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("import-all of half a file: %v, want a refusal saying it was cut short", err)
	}
	_, _, err = runCmd(t, testEnv(t), "", "import-all", writeFile(t, "other.jsonl", `{"hello":"world"}`+"\n"))
	if err == nil || !strings.Contains(err.Error(), "not a WijkHelpt export") {
		t.Errorf("import-all of another file: %v, want a refusal", err)
	}
}

// TestBackupWhileServing copies the embedded store while the service runs
// and takes intakes, and finds in the copy every request acknowledged
// before the copy began.
func TestBackupWhileServing(t *testing.T) {
	env := testEnv(t)
	if os.Getenv(storetest.EnvMongoURI) != "" {
		t.Skip("backup copies the embedded store")
	}
	token, _, err := runCmd(t, env, "", "token", "create", "--role", "phone", "--name", "backup")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	srv := startServer(t, env)
	ids := map[string]bool{}
	for i := range 20 {
		id, ok := intake(httpClient(), srv.url, token, "backup-"+string(rune('a'+i)))
		if !ok {
			t.Fatal("intake failed")
		}
		ids[id] = true
	}
	copyFile := filepath.Join(t.TempDir(), "kopie.db")
	out, stderr, err := runCmd(t, env, "", "backup", copyFile)
	if err != nil {
		t.Fatalf("backup while serving: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "Reservekopie gemaakt") {
		t.Errorf("backup said %q", out)
	}
	if _, _, err := runCmd(t, env, "", "backup", copyFile); err == nil {
		t.Error("a backup over an existing file should be refused")
	}
	srv.stop(t)

	// The copy is a store of its own: put it in place in a new data
	// directory and read it.
	restored := testEnv(t)
	dir := filepath.Join(restored("WIJKHELPT_DATA_DIR"), "sqlite")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(copyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wijkhelpt.db"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	withServices(t, restored, func(s *services) {
		for id := range ids {
			if _, err := s.db.FindRequest(context.Background(), id); err != nil {
				t.Errorf("request %s acknowledged before the backup: %v", id, err)
			}
		}
	})
}

// TestRefusesOldDataDirectory starts on a data directory that the FerretDB
// store of an older version wrote: start-up stops with a message that says
// what to do, instead of serving an empty desk.
func TestRefusesOldDataDirectory(t *testing.T) {
	env := testEnv(t)
	if os.Getenv(storetest.EnvMongoURI) != "" {
		t.Skip("about the embedded store")
	}
	old := filepath.Join(env("WIJKHELPT_DATA_DIR"), "db")
	if err := os.MkdirAll(old, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "wijkhelpt.sqlite"), []byte("SQLite format 3\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := runCmd(t, env, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "older version") || !strings.Contains(err.Error(), "import-all") {
		t.Fatalf("serve on an old data directory: %v, want a refusal naming the way to move", err)
	}
	if _, err := os.Stat(filepath.Join(env("WIJKHELPT_DATA_DIR"), "sqlite")); err == nil {
		t.Error("the refused start made a new store next to the old one")
	}
	// import-all may run there (that is the way out), and afterwards the
	// service starts on what it moved in.
	src := testEnv(t)
	if _, _, err := runCmd(t, src, "", "demo"); err != nil {
		t.Fatal(err)
	}
	export, _, err := runCmd(t, src, "", "export")
	if err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runCmd(t, env, "", "import-all", writeFile(t, "desk.jsonl", export)); err != nil {
		t.Fatalf("import-all on the old data directory: %v\n%s", err, stderr)
	}
	withServices(t, env, func(s *services) {
		if n, err := s.db.CountOffers(context.Background()); err != nil || n == 0 {
			t.Errorf("after the move: %d offers, %v", n, err)
		}
	})
}
