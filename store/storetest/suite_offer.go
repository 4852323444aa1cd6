package storetest

import (
	"slices"
	"testing"

	"wijkhelpt"
)

var offerScenarios = []scenario{
	{"offer/create and find", testCreateOffer},
	{"offer/find filters and pages", testFindOffers},
	{"offer/update and feed", testUpdateOffer},
	{"offer/insert twice adds nothing", testInsertOffersTwice},
	{"optout/set and reverse", testOptOut},
	{"optout/marks the number's offers in the feed", testOptOutMarksOffers},
	{"optout/new offer of an opted-out number", testNewOfferOfOptedOutNumber},
}

func testCreateOffer(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	o := newOffer("Bert Bakker", "offer:+31687654321:bert bakker")
	before := clone(t, o)
	stored, created, err := s.CreateOffer(ctx, o)
	if err != nil || !created {
		t.Fatalf("CreateOffer: created %v, err %v; want a new offer", created, err)
	}
	if stored.Revision <= 0 || stored.SchemaVersion != wijkhelpt.SchemaVersion {
		t.Errorf("stored revision %d, schema %d; want a revision and schema %d", stored.Revision, stored.SchemaVersion, wijkhelpt.SchemaVersion)
	}
	if diff := storedDiff(before, o); diff != "" {
		t.Errorf("CreateOffer changed its argument (-before +after):\n%s", diff)
	}
	want := clone(t, before)
	want.Revision = stored.Revision
	if diff := storedDiff(want, stored); diff != "" {
		t.Errorf("stored offer differs from the one given (-given +stored):\n%s", diff)
	}
	got, err := s.FindOffer(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(stored, got); diff != "" {
		t.Errorf("found offer differs (-stored +found):\n%s", diff)
	}

	// The same person imported again: the stored offer comes back.
	again := newOffer("Bert Bakker", o.ImportKey)
	same, created, err := s.CreateOffer(ctx, again)
	if err != nil || created || same == nil || same.ID != o.ID {
		t.Errorf("CreateOffer with a stored import key: %v, created %v, %v; want offer %s, not created", same, created, err, o.ID)
	}
	// Without an import key, the same ID is refused.
	plain := createOffer(t, s, newOffer("Carla", ""))
	dup := newOffer("Dirk", "")
	dup.ID = plain.ID
	if _, _, err := s.CreateOffer(ctx, dup); codeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("CreateOffer of a stored ID: %v; want a conflict", err)
	}
	if got, err := s.FindOffer(ctx, plain.ID); err != nil || got.Name != "Carla" {
		t.Errorf("after a refused create: %v, %v; want Carla unchanged", got, err)
	}
	if got, err := s.FindOffer(ctx, "missing"); codeOf(err) != wijkhelpt.ErrNotFound || got != nil {
		t.Errorf("FindOffer(missing) = %v, %v; want nil, not found", got, err)
	}
	if n, err := s.CountOffers(ctx); err != nil || n != 2 {
		t.Errorf("CountOffers = %d, %v; want 2", n, err)
	}
}

func testFindOffers(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	names := []string{"Bert Bakker", "Anna (buurvrouw)", "Stichting Zorg.nl", "bertha de Wit", "Zorgstichting ZO",
		"Ina.Bos", "Anna Bakker", "Team_Zorg", "Zorgxnl"}
	ids := map[string]string{}
	for i, name := range names {
		o := newOffer(name, "")
		if i == 1 {
			o.Phone, o.UserID = "+31611112222", "user-anna"
		}
		createOffer(t, s, o)
		ids[name] = o.ID
	}
	idsOf := func(names ...string) []string {
		out := []string{}
		for _, n := range names {
			out = append(out, ids[n])
		}
		return sorted(out...)
	}
	all := idsOf(names...)
	tests := []struct {
		name   string
		filter wijkhelpt.OfferFilter
		want   []string
	}{
		{"all", wijkhelpt.OfferFilter{}, all},
		{"page", wijkhelpt.OfferFilter{After: all[0], Limit: 3}, all[1:4]},
		{"after the last", wijkhelpt.OfferFilter{After: all[len(all)-1]}, []string{}},
		{"query ignores case", wijkhelpt.OfferFilter{Query: "BERT"}, idsOf("Bert Bakker", "bertha de Wit")},
		{"query matches any part", wijkhelpt.OfferFilter{Query: "akk"}, idsOf("Bert Bakker", "Anna Bakker")},
		{"parenthesis is literal", wijkhelpt.OfferFilter{Query: "("}, idsOf("Anna (buurvrouw)")},
		{"group is literal", wijkhelpt.OfferFilter{Query: "(buurvrouw)"}, idsOf("Anna (buurvrouw)")},
		{"dot is a dot", wijkhelpt.OfferFilter{Query: "g.n"}, idsOf("Stichting Zorg.nl")},
		{"dot is a dot, any case", wijkhelpt.OfferFilter{Query: "a.b"}, idsOf("Ina.Bos")},
		{"pattern characters match nothing", wijkhelpt.OfferFilter{Query: ".*"}, []string{}},
		{"underscore is literal", wijkhelpt.OfferFilter{Query: "_"}, idsOf("Team_Zorg")},
		{"percent is literal", wijkhelpt.OfferFilter{Query: "%"}, []string{}},
		{"backslash is literal", wijkhelpt.OfferFilter{Query: `\`}, []string{}},
		{"query and page", wijkhelpt.OfferFilter{Query: "zorg", Limit: 2}, idsOf("Stichting Zorg.nl", "Zorgstichting ZO", "Team_Zorg", "Zorgxnl")[:2]},
		{"phone", wijkhelpt.OfferFilter{Phone: "+31611112222"}, idsOf("Anna (buurvrouw)")},
		{"user", wijkhelpt.OfferFilter{UserID: "user-anna"}, idsOf("Anna (buurvrouw)")},
		{"unknown user", wijkhelpt.OfferFilter{UserID: "nobody"}, []string{}},
	}
	for _, tt := range tests {
		os, err := s.FindOffers(ctx, tt.filter)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := offerIDs(os); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q; want %q", tt.name, got, tt.want)
		}
	}
}

func testUpdateOffer(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	a := createOffer(t, s, newOffer("Bert Bakker", ""))
	b := createOffer(t, s, newOffer("Carla Smit", ""))
	paused, err := s.UpdateOffer(ctx, a.ID, func(o *wijkhelpt.Offer) error {
		o.Active = false
		o.ID = "attempt to rename"
		o.SchemaVersion = 0
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if paused.Active || paused.ID != a.ID || paused.Revision <= b.Revision || paused.SchemaVersion != wijkhelpt.SchemaVersion {
		t.Errorf("after pausing: active %v, id %s, revision %d, schema %d; want inactive, id %s, revision above %d, schema %d",
			paused.Active, paused.ID, paused.Revision, paused.SchemaVersion, a.ID, b.Revision, wijkhelpt.SchemaVersion)
	}
	if got, err := s.FindOffer(ctx, a.ID); err != nil {
		t.Fatal(err)
	} else if diff := storedDiff(paused, got); diff != "" {
		t.Errorf("UpdateOffer returned another offer than it stored (-returned +stored):\n%s", diff)
	}
	if _, err := s.FindOffer(ctx, "attempt to rename"); codeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("FindOffer of the new ID fn set: %v; want not found", err)
	}
	changed, err := s.OffersChangedSince(ctx, a.Revision, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := offerIDs(changed), []string{b.ID, a.ID}; !slices.Equal(got, want) {
		t.Errorf("changed since %d: %q; want %q (revision order)", a.Revision, got, want)
	}
	if changed, err := s.OffersChangedSince(ctx, paused.Revision, 0); err != nil || len(changed) != 0 {
		t.Errorf("changed since the last write: %q, %v; want none", offerIDs(changed), err)
	}

	// A refused change writes nothing and comes back as fn gave it.
	refusal := wijkhelpt.Conflict(wijkhelpt.T("nee", "no"))
	if _, err := s.UpdateOffer(ctx, b.ID, func(o *wijkhelpt.Offer) error { o.Capacity = 9; return refusal }); err != error(refusal) {
		t.Errorf("UpdateOffer returned %v; want fn's error itself", err)
	}
	if got, err := s.FindOffer(ctx, b.ID); err != nil || got.Capacity != b.Capacity || got.Revision != b.Revision {
		t.Errorf("after a refused change: %+v, %v; want offer %s unchanged", got, err, b.ID)
	}
	called := false
	if _, err := s.UpdateOffer(ctx, "missing", func(*wijkhelpt.Offer) error { called = true; return nil }); codeOf(err) != wijkhelpt.ErrNotFound || called {
		t.Errorf("UpdateOffer(missing): %v, fn called %v; want not found without calling fn", err, called)
	}
}

func testInsertOffersTwice(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	n, err := s.InsertOffers(ctx, newOffers(250, "offer:import:"))
	if err != nil || n != 250 {
		t.Fatalf("first import: %d, %v; want 250", n, err)
	}
	// A second run of the same file: new objects, new IDs, same keys, and
	// a few new rows among them.
	rows := append(newOffers(250, "offer:import:"), newOffers(3, "offer:late:")...)
	n, err = s.InsertOffers(ctx, rows)
	if err != nil || n != 3 {
		t.Fatalf("second import: %d, %v; want only the 3 new rows", n, err)
	}
	// Rows without a key are known by their ID.
	plain := newOffers(2, "")
	if n, err := s.InsertOffers(ctx, plain); err != nil || n != 2 {
		t.Fatalf("import without keys: %d, %v; want 2", n, err)
	}
	if n, err := s.InsertOffers(ctx, plain); err != nil || n != 0 {
		t.Fatalf("the same rows without keys again: %d, %v; want 0", n, err)
	}
	if count, err := s.CountOffers(ctx); err != nil || count != 255 {
		t.Errorf("CountOffers = %d, %v; want 255", count, err)
	}
	all, err := s.OffersChangedSince(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 255 {
		t.Fatalf("OffersChangedSince(0): %d offers; want 255", len(all))
	}
	keys, revs := map[string]bool{}, map[int64]bool{}
	for _, o := range all {
		if (o.ImportKey != "" && keys[o.ImportKey]) || revs[o.Revision] || o.Revision <= 0 {
			t.Errorf("offer %s: import key %q or revision %d repeated or missing", o.ID, o.ImportKey, o.Revision)
		}
		keys[o.ImportKey], revs[o.Revision] = true, true
		if o.SchemaVersion != wijkhelpt.SchemaVersion {
			t.Errorf("offer %s: schema %d; want %d", o.ID, o.SchemaVersion, wijkhelpt.SchemaVersion)
		}
	}
	// An imported offer is found by its key like any other.
	same, created, err := s.CreateOffer(ctx, newOffer("Vrijwilliger 7", "offer:import:00007"))
	if err != nil || created || same == nil || same.ImportKey != "offer:import:00007" {
		t.Errorf("CreateOffer with an imported key: %v, created %v, %v; want the imported offer", same, created, err)
	}
}

func testOptOut(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	const phone = "+31612345678"
	steps := []struct {
		set  *bool
		want bool
	}{
		{nil, false},
		{ptr(true), true},
		{ptr(true), true},
		{ptr(false), false},
		{ptr(false), false},
		{ptr(true), true},
	}
	for i, st := range steps {
		if st.set != nil {
			if err := s.SetOptOut(ctx, phone, *st.set, t0); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.OptedOut(ctx, phone)
		if err != nil || got != st.want {
			t.Errorf("step %d: OptedOut = %v, %v; want %v", i, got, err, st.want)
		}
	}
	if got, err := s.OptedOut(ctx, "+31600000000"); err != nil || got {
		t.Errorf("another number: OptedOut = %v, %v; want false", got, err)
	}
}

func ptr[T any](v T) *T { return &v }

// An SMS opt-out reaches the offers of that number through the offer feed,
// so that matching engines on every instance stop suggesting them.
func testOptOutMarksOffers(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	mine, other := newOffer("Anna de Vries", ""), newOffer("Bert Smit", "")
	mine.Phone, other.Phone = "+31611111111", "+31622222222"
	a := createOffer(t, s, mine)
	b := createOffer(t, s, other)
	for _, step := range []bool{true, false} {
		before := max(a.Revision, b.Revision)
		if err := s.SetOptOut(ctx, mine.Phone, step, t0); err != nil {
			t.Fatal(err)
		}
		changed, err := s.OffersChangedSince(ctx, before, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(changed) != 1 || changed[0].ID != a.ID || changed[0].OptedOut != step || changed[0].Revision <= before {
			t.Fatalf("opt-out %v: feed after %d holds %q; want only %s with OptedOut %v and a new revision",
				step, before, offerIDs(changed), a.ID, step)
		}
		a = changed[0]
		if got, err := s.FindOffer(ctx, a.ID); err != nil || got.OptedOut != step {
			t.Errorf("opt-out %v: FindOffer = %+v, %v; want OptedOut %v", step, got, err, step)
		}
		got, err := s.FindOffer(ctx, b.ID)
		if err != nil || got.OptedOut || got.Revision != b.Revision {
			t.Fatalf("opt-out %v: the other number's offer changed: %+v, %v", step, got, err)
		}
	}
	// The same state again changes no offer.
	if err := s.SetOptOut(ctx, mine.Phone, false, t0); err != nil {
		t.Fatal(err)
	}
	if changed, err := s.OffersChangedSince(ctx, a.Revision, 100); err != nil || len(changed) != 0 {
		t.Errorf("START of a number that is opted in: feed holds %q, %v; want nothing", offerIDs(changed), err)
	}
}

// A number that sent STOP before it had an offer: an offer registered,
// imported or moved to that number later starts opted out, and one moved
// away from it is opted in again.
func testNewOfferOfOptedOutNumber(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	const stopped, fine = "+31633333333", "+31644444444"
	if err := s.SetOptOut(ctx, stopped, true, t0); err != nil {
		t.Fatal(err)
	}
	o := newOffer("Carla Jansen", "")
	o.Phone = stopped
	if created := createOffer(t, s, o); !created.OptedOut {
		t.Errorf("an offer registered for a number that sent STOP: OptedOut false; want true")
	}
	imported := newOffers(3, "optout:")
	imported[0].Phone, imported[1].Phone, imported[2].Phone = stopped, fine, stopped
	if n, err := s.InsertOffers(ctx, imported); err != nil || n != 3 {
		t.Fatalf("InsertOffers = %d, %v; want 3", n, err)
	}
	for i, want := range []bool{true, false, true} {
		got, err := s.FindOffer(ctx, imported[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.OptedOut != want {
			t.Errorf("imported offer %d (%s): OptedOut %v; want %v", i, got.Phone, got.OptedOut, want)
		}
	}
	moved, err := s.UpdateOffer(ctx, imported[1].ID, func(o *wijkhelpt.Offer) error { o.Phone = stopped; return nil })
	if err != nil || !moved.OptedOut {
		t.Errorf("an offer moved to a number that sent STOP: %+v, %v; want OptedOut true", moved, err)
	}
	back, err := s.UpdateOffer(ctx, imported[1].ID, func(o *wijkhelpt.Offer) error { o.Phone = fine; return nil })
	if err != nil || back.OptedOut {
		t.Errorf("an offer moved to a number that did not: %+v, %v; want OptedOut false", back, err)
	}
	// START opts the number's offers in again.
	if err := s.SetOptOut(ctx, stopped, false, t0); err != nil {
		t.Fatal(err)
	}
	offers, err := s.FindOffers(ctx, wijkhelpt.OfferFilter{Phone: stopped})
	if err != nil {
		t.Fatal(err)
	}
	if len(offers) != 3 {
		t.Fatalf("offers of %s: %d; want 3", stopped, len(offers))
	}
	for _, o := range offers {
		if o.OptedOut {
			t.Errorf("offer %s after START: OptedOut true; want false", o.ID)
		}
	}
}
