package storetest

import (
	"sync"
	"testing"

	"wijkhelpt"
	"wijkhelpt/store"
)

// recorder keeps what a subscriber got.
type recorder struct {
	mu      sync.Mutex
	changes []store.Change
}

func (r *recorder) record(c store.Change) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.changes = append(r.changes, c)
}

// take returns the requests and offers published since the last take, the
// latest version of each by ID.
func (r *recorder) take() (reqs map[string]*wijkhelpt.Request, offers map[string]*wijkhelpt.Offer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reqs, offers = map[string]*wijkhelpt.Request{}, map[string]*wijkhelpt.Offer{}
	for _, c := range r.changes {
		for _, x := range c.Requests {
			if old, ok := reqs[x.ID]; !ok || x.Revision > old.Revision {
				reqs[x.ID] = x
			}
		}
		for _, x := range c.Offers {
			if old, ok := offers[x.ID]; !ok || x.Revision > old.Revision {
				offers[x.ID] = x
			}
		}
	}
	r.changes = nil
	return reqs, offers
}

// testPublishAfterCommit: a subscriber has every write of requests and
// offers, as stored, by the time the write returns.
func testPublishAfterCommit(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	rec := &recorder{}
	cancel := s.Subscribe(rec.record)
	defer cancel()
	other := &recorder{}
	cancelOther := s.Subscribe(other.record)

	// check compares what was published since the last check with the
	// documents as the store holds them now.
	check := func(what string, wantReqs []*wijkhelpt.Request, wantOffers []*wijkhelpt.Offer) {
		t.Helper()
		reqs, offers := rec.take()
		want := map[string]*wijkhelpt.Request{}
		for _, r := range wantReqs {
			want[r.ID] = r
		}
		if diff := storedDiff(want, reqs); diff != "" {
			t.Errorf("%s: published requests differ from the stored ones (-stored +published):\n%s", what, diff)
		}
		wantO := map[string]*wijkhelpt.Offer{}
		for _, o := range wantOffers {
			wantO[o.ID] = o
		}
		if diff := storedDiff(wantO, offers); diff != "" {
			t.Errorf("%s: published offers differ from the stored ones (-stored +published):\n%s", what, diff)
		}
	}
	findR := func(id string) *wijkhelpt.Request {
		t.Helper()
		r, err := s.FindRequest(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	findO := func(id string) *wijkhelpt.Offer {
		t.Helper()
		o, err := s.FindOffer(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}

	r := createRequest(t, s, newRequest(t, "", "+31612345678"))
	check("CreateRequest", []*wijkhelpt.Request{findR(r.ID)}, nil)
	r = updateRequest(t, s, r.ID, func(r *wijkhelpt.Request) error { return r.AddNote("gebeld", mediator, t0) })
	check("UpdateRequest", []*wijkhelpt.Request{findR(r.ID)}, nil)
	if _, err := s.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		return r.Refer("", "", mediator, t0) // refused: no organisation
	}); codeOf(err) != wijkhelpt.ErrInvalid {
		t.Fatalf("refused UpdateRequest: %v; want invalid", err)
	}
	check("refused UpdateRequest", nil, nil)

	o := createOffer(t, s, newOffer("Bert Bakker", ""))
	check("CreateOffer", nil, []*wijkhelpt.Offer{findO(o.ID)})
	o, err := s.UpdateOffer(ctx, o.ID, func(o *wijkhelpt.Offer) error { o.Capacity = 4; return nil })
	if err != nil {
		t.Fatal(err)
	}
	check("UpdateOffer", nil, []*wijkhelpt.Offer{findO(o.ID)})
	if _, err := s.UpdateOffer(ctx, o.ID, func(*wijkhelpt.Offer) error { return wijkhelpt.Forbidden() }); codeOf(err) != wijkhelpt.ErrForbidden {
		t.Fatalf("refused UpdateOffer: %v; want forbidden", err)
	}
	check("refused UpdateOffer", nil, nil)

	imported := newOffers(3, "pub:")
	imported[1].Phone = "+31611111111"
	if n, err := s.InsertOffers(ctx, imported); err != nil || n != 3 {
		t.Fatalf("InsertOffers = %d, %v; want 3", n, err)
	}
	check("InsertOffers", nil, []*wijkhelpt.Offer{findO(imported[0].ID), findO(imported[1].ID), findO(imported[2].ID)})
	reqs := []*wijkhelpt.Request{newRequest(t, "pub:1", "+31612345678"), newRequest(t, "pub:2", "+31612345678")}
	if n, err := s.InsertRequests(ctx, reqs); err != nil || n != 2 {
		t.Fatalf("InsertRequests = %d, %v; want 2", n, err)
	}
	check("InsertRequests", []*wijkhelpt.Request{findR(reqs[0].ID), findR(reqs[1].ID)}, nil)

	if err := s.SetOptOut(ctx, "+31611111111", true, t0); err != nil {
		t.Fatal(err)
	}
	stopped := findO(imported[1].ID)
	if !stopped.OptedOut {
		t.Fatalf("offer of the number that sent STOP: OptedOut false; want true")
	}
	check("SetOptOut", nil, []*wijkhelpt.Offer{stopped})

	// The other subscriber got all the same; after its cancel, nothing.
	if reqs, offers := other.take(); len(reqs) != 3 || len(offers) != 4 {
		t.Errorf("second subscriber: %d requests, %d offers; want 3 and 4", len(reqs), len(offers))
	}
	cancelOther()
	cancelOther() // twice is harmless
	createRequest(t, s, newRequest(t, "", "+31612345678"))
	createOffer(t, s, newOffer("Carla", ""))
	if reqs, offers := other.take(); len(reqs) != 0 || len(offers) != 0 {
		t.Errorf("cancelled subscriber got %d requests, %d offers; want none", len(reqs), len(offers))
	}
	if reqs, offers := rec.take(); len(reqs) != 1 || len(offers) != 1 {
		t.Errorf("first subscriber after the other's cancel: %d requests, %d offers; want 1 and 1", len(reqs), len(offers))
	}
}
