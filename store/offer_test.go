package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

func TestCreateOffer(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	o := newOffer("Bert Bakker", "offer:+31687654321:bert bakker")
	stored, created, err := db.CreateOffer(ctx, o)
	if err != nil || !created {
		t.Fatalf("CreateOffer: created %v, err %v", created, err)
	}
	if stored.Revision <= 0 || stored.SchemaVersion != wijkhelpt.SchemaVersion || o.Revision != 0 {
		t.Errorf("stored revision %d, schema %d, argument's revision %d; want a revision on the stored copy only",
			stored.Revision, stored.SchemaVersion, o.Revision)
	}
	got, err := db.FindOffer(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(stored, got); diff != "" {
		t.Errorf("found offer differs (-stored +found):\n%s", diff)
	}

	// The same person imported again: the stored offer comes back.
	again := newOffer("Bert Bakker", o.ImportKey)
	same, created, err := db.CreateOffer(ctx, again)
	if err != nil || created || same.ID != o.ID {
		t.Errorf("CreateOffer with a stored import key: %v, created %v, %v; want offer %s, not created", same, created, err, o.ID)
	}
	// Without an import key, the same ID is refused.
	plain := newOffer("Carla", "")
	if _, _, err := db.CreateOffer(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateOffer(ctx, plain); codeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("CreateOffer of a stored ID: %v; want a conflict", err)
	}
	if _, err := db.FindOffer(ctx, "missing"); codeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("FindOffer(missing): %v; want not found", err)
	}
	if n, err := db.CountOffers(ctx); err != nil || n != 2 {
		t.Errorf("CountOffers = %d, %v; want 2", n, err)
	}
}

func TestFindOffers(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	names := []string{"Bert Bakker", "Anna (buurvrouw)", "Stichting Zorg.nl", "bertha de Wit", "Zorgstichting ZO"}
	ids := map[string]string{}
	for i, name := range names {
		o := newOffer(name, "")
		if i == 1 {
			o.Phone, o.UserID = "+31611112222", "user-anna"
		}
		if _, _, err := db.CreateOffer(ctx, o); err != nil {
			t.Fatal(err)
		}
		ids[name] = o.ID
	}
	idsOf := func(names ...string) []string {
		out := []string{}
		for _, n := range names {
			out = append(out, ids[n])
		}
		slices.Sort(out)
		return out
	}
	all := idsOf(names...)
	tests := []struct {
		name   string
		filter wijkhelpt.OfferFilter
		want   []string
	}{
		{"all", wijkhelpt.OfferFilter{}, all},
		{"page", wijkhelpt.OfferFilter{After: all[0], Limit: 3}, all[1:4]},
		{"query ignores case", wijkhelpt.OfferFilter{Query: "BERT"}, idsOf("Bert Bakker", "bertha de Wit")},
		{"query is literal, not a pattern", wijkhelpt.OfferFilter{Query: "(buurvrouw)"}, idsOf("Anna (buurvrouw)")},
		{"dot is a dot", wijkhelpt.OfferFilter{Query: "g.n"}, idsOf("Stichting Zorg.nl")},
		{"pattern characters match nothing", wijkhelpt.OfferFilter{Query: ".*"}, []string{}},
		{"phone", wijkhelpt.OfferFilter{Phone: "+31611112222"}, idsOf("Anna (buurvrouw)")},
		{"user", wijkhelpt.OfferFilter{UserID: "user-anna"}, idsOf("Anna (buurvrouw)")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os, err := db.FindOffers(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, o := range os {
				got = append(got, o.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

func TestUpdateOfferAndFeed(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	a, _, err := db.CreateOffer(ctx, newOffer("Bert Bakker", ""))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := db.CreateOffer(ctx, newOffer("Carla Smit", ""))
	if err != nil {
		t.Fatal(err)
	}
	paused, err := db.UpdateOffer(ctx, a.ID, func(o *wijkhelpt.Offer) error {
		o.Active = false
		o.ID = "attempt to rename"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if paused.Active || paused.ID != a.ID || paused.Revision <= b.Revision {
		t.Errorf("after pausing: active %v, id %s, revision %d; want inactive, id %s, revision above %d",
			paused.Active, paused.ID, paused.Revision, a.ID, b.Revision)
	}
	changed, err := db.OffersChangedSince(ctx, a.Revision, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, o := range changed {
		got = append(got, o.ID)
	}
	if want := []string{b.ID, a.ID}; !slices.Equal(got, want) {
		t.Errorf("changed since %d: %q; want %q (revision order)", a.Revision, got, want)
	}
	if _, err := db.UpdateOffer(ctx, "missing", func(*wijkhelpt.Offer) error { return nil }); codeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("UpdateOffer(missing): %v; want not found", err)
	}
}

func TestInsertOffersTwiceAddsNothing(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	n, err := db.InsertOffers(ctx, newOffers(250, "offer:import:"))
	if err != nil || n != 250 {
		t.Fatalf("first import: %d, %v; want 250", n, err)
	}
	// A second run of the same file: new objects, new IDs, same keys, and
	// a few new rows among them.
	rows := append(newOffers(250, "offer:import:"), newOffers(3, "offer:late:")...)
	n, err = db.InsertOffers(ctx, rows)
	if err != nil || n != 3 {
		t.Fatalf("second import: %d, %v; want only the 3 new rows", n, err)
	}
	if count, err := db.CountOffers(ctx); err != nil || count != 253 {
		t.Errorf("CountOffers = %d, %v; want 253", count, err)
	}
	all, err := db.OffersChangedSince(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	keys, revs := map[string]bool{}, map[int64]bool{}
	for _, o := range all {
		if keys[o.ImportKey] || revs[o.Revision] || o.Revision == 0 {
			t.Errorf("offer %s: import key %q or revision %d repeated or missing", o.ID, o.ImportKey, o.Revision)
		}
		keys[o.ImportKey], revs[o.Revision] = true, true
	}
}

// BenchmarkInsertOffers measures the CSV import path. The baseline is the
// same rows stored one CreateOffer at a time. Besides rows/s it reports the
// CPU time per row of the whole process (client and embedded server), which
// does not depend on how busy the machine is; rows/s does.
func BenchmarkInsertOffers(b *testing.B) {
	const rows = 5000
	b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
		db := storetest.Open(b)
		benchInsert(b, db, rows, func(offers []*wijkhelpt.Offer) (int, error) {
			return db.InsertOffers(b.Context(), offers)
		})
	})
	b.Run(fmt.Sprintf("rows=%d/baseline=CreateOffer", rows/10), func(b *testing.B) {
		db := storetest.Open(b)
		benchInsert(b, db, rows/10, func(offers []*wijkhelpt.Offer) (int, error) {
			for _, o := range offers {
				if _, _, err := db.CreateOffer(b.Context(), o); err != nil {
					return 0, err
				}
			}
			return len(offers), nil
		})
	})
}

func benchInsert(b *testing.B, db *store.DB, rows int, insert func([]*wijkhelpt.Offer) (int, error)) {
	b.Helper()
	run := 0
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		offers := newOffers(rows, fmt.Sprintf("offer:bench%d:", run))
		run++
		b.StartTimer()
		before := cpuTime()
		n, err := insert(offers)
		cpu += cpuTime() - before
		if err != nil || n != rows {
			b.Fatalf("inserted %d of %d: %v", n, rows, err)
		}
	}
	b.ReportMetric(float64(rows*run)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(rows*run), "cpu-µs/row")
}
