package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"

	"wijkhelpt"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

// TestMovesAnOldDataDirectory moves the data directory that version
// fabcffa left after `wijkhelpt demo` and one request through its API
// (testdata/demo-fabcffa.sqlite.gz) into the SQLite store, and finds the
// whole desk there, with the old file unchanged.
func TestMovesAnOldDataDirectory(t *testing.T) {
	dataDir := t.TempDir()
	old := filepath.Join(dataDir, "db", "wijkhelpt.sqlite")
	if err := os.MkdirAll(filepath.Dir(old), 0o700); err != nil {
		t.Fatal(err)
	}
	gz, err := os.Open("testdata/demo-fabcffa.sqlite.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	before := sha256.Sum256(raw)

	var out bytes.Buffer
	counts, err := export(context.Background(), dataDir, "wijkhelpt", &out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"users": 4, "offers": 158, "requests": 53}
	for c, n := range want {
		if counts[c] != n {
			t.Errorf("exported %d %s, want %d", counts[c], c, n)
		}
	}
	if counts["messages"] == 0 {
		t.Error("exported no messages; the old store holds the SMS of one request")
	}

	st := storetest.Open(t)
	res, err := store.Import(context.Background(), st, &out)
	if err != nil {
		t.Fatal(err)
	}
	for c, n := range counts {
		if res.Stored[c] != n {
			t.Errorf("imported %d %s, exported %d", res.Stored[c], c, n)
		}
	}
	rs, err := st.FindRequests(context.Background(), wijkhelpt.RequestFilter{Phone: "+31612345678"})
	if err != nil || len(rs) != 1 || rs[0].Text != "Wie kan mij naar de huisarts brengen?" {
		t.Fatalf("the request made through the old API: %v, %d found", err, len(rs))
	}
	if r, err := st.FindRequestByRef(context.Background(), rs[0].Ref); err != nil || r.ID != rs[0].ID {
		t.Errorf("find the moved request by its reference %s: %v", rs[0].Ref, err)
	}
	if _, err := st.UpdateRequest(context.Background(), rs[0].ID, func(r *wijkhelpt.Request) error {
		return r.AddNote("Verhuisd naar de nieuwe opslag.", wijkhelpt.ActorSystem, r.UpdatedAt)
	}); err != nil {
		t.Errorf("change a moved request: %v", err)
	}

	after, err := os.ReadFile(old)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(after) != before {
		t.Error("the old data file changed")
	}
}

func TestMain(m *testing.M) { storetest.Main(m) }
