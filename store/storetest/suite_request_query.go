package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"wijkhelpt"
)

func testRequestDerivedFields(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	// Derived fields are the store's to set: wrong ones on the way in
	// are put right.
	in := newRequest(t, "", "+31612345678")
	in.PendingMessages, in.SchemaVersion = 7, 0
	created := createRequest(t, s, in)
	if created.PendingMessages != 1 || created.SchemaVersion != wijkhelpt.SchemaVersion || created.ProposalDeadline != nil {
		t.Errorf("created: pending %d, schema %d, deadline %v; want 1, %d, none",
			created.PendingMessages, created.SchemaVersion, created.ProposalDeadline, wijkhelpt.SchemaVersion)
	}

	offers := newOffers(2, "")
	proposed := updateRequest(t, s, created.ID, func(r *wijkhelpt.Request) error {
		if err := r.Propose([]wijkhelpt.Proposal{{Offer: offers[0]}}, mediator, t0, 2*time.Hour); err != nil {
			return err
		}
		// A second proposal with an earlier deadline, added by hand, and
		// derived fields left stale on purpose.
		m := r.Matches[0]
		m.ID, m.OfferID, m.ExpiresAt = r.ID+"-2", offers[1].ID, t0.Add(time.Hour)
		r.Matches = append(r.Matches, m)
		r.ProposalDeadline, r.PendingMessages, r.SchemaVersion = nil, 0, 0
		return nil
	})
	if proposed.ProposalDeadline == nil || !proposed.ProposalDeadline.Equal(t0.Add(time.Hour)) {
		t.Errorf("proposal deadline %v; want the earliest answer time %v", proposed.ProposalDeadline, t0.Add(time.Hour))
	}
	if proposed.PendingMessages != 2 || proposed.SchemaVersion != wijkhelpt.SchemaVersion {
		t.Errorf("after proposing: pending %d, schema %d; want 2 and %d", proposed.PendingMessages, proposed.SchemaVersion, wijkhelpt.SchemaVersion)
	}
	if !proposed.UpdatedAt.Equal(t0) || proposed.Revision <= created.Revision {
		t.Errorf("after proposing: updated %v, revision %d; want the time Propose set, %v, and a revision above %d",
			proposed.UpdatedAt, proposed.Revision, t0, created.Revision)
	}
	if got, err := s.FindRequest(ctx, created.ID); err != nil {
		t.Fatal(err)
	} else if diff := storedDiff(proposed, got); diff != "" {
		t.Errorf("UpdateRequest returned another request than it stored (-returned +stored):\n%s", diff)
	}

	// A change that sets no time of its own gets the store's time.
	urgent := updateRequest(t, s, created.ID, func(r *wijkhelpt.Request) error { r.Urgent = true; return nil })
	if urgent.UpdatedAt.Equal(proposed.UpdatedAt) || urgent.Revision <= proposed.Revision {
		t.Errorf("after a change without a time: updated %v, revision %d; want a new time and a revision above %d",
			urgent.UpdatedAt, urgent.Revision, proposed.Revision)
	}

	// Messages relayed by hand, without Refresh: the count follows.
	relayed := updateRequest(t, s, created.ID, func(r *wijkhelpt.Request) error {
		for i := range r.Outbox {
			r.Outbox[i].Relayed = true
		}
		return nil
	})
	if relayed.PendingMessages != 0 {
		t.Errorf("after relaying every message: pending %d; want 0", relayed.PendingMessages)
	}
	if pending, err := s.RequestsWithPendingMessages(ctx, 0); err != nil || len(pending) != 0 {
		t.Errorf("RequestsWithPendingMessages = %q, %v; want none", requestIDs(pending), err)
	}

	// Every proposal declined: the deadline must be gone from the stored
	// document, not left behind by a partial update.
	declined := updateRequest(t, s, created.ID, func(r *wijkhelpt.Request) error {
		for _, m := range r.Matches {
			if err := r.Decline(m.ID, wijkhelpt.SMSActor(m.OfferID), t0.Add(time.Minute), false); err != nil {
				return err
			}
		}
		return nil
	})
	if declined.ProposalDeadline != nil || declined.Status != wijkhelpt.RequestOpen {
		t.Errorf("after declines: deadline %v, status %s; want none and open", declined.ProposalDeadline, declined.Status)
	}
	if due, err := s.RequestsDue(ctx, t0.Add(48*time.Hour), 0); err != nil || len(due) != 0 {
		t.Errorf("RequestsDue after declines = %q, %v; want none", requestIDs(due), err)
	}
}

func testFindRequests(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	phones := []string{"+31611111111", "+31622222222", "+31611111111", "+31633333333", "+31611111111"}
	ids := []string{}
	for _, p := range phones {
		ids = append(ids, createRequest(t, s, newRequest(t, "", p)).ID)
	}
	offer := newOffer("Bert Bakker", "")
	updateRequest(t, s, ids[1], func(r *wijkhelpt.Request) error {
		return r.Propose([]wijkhelpt.Proposal{{Offer: offer, DistanceKm: 1}}, mediator, t0, time.Hour)
	})
	updateRequest(t, s, ids[3], func(r *wijkhelpt.Request) error {
		return r.Cancel(wijkhelpt.ActorResident, "niet meer nodig", t0)
	})
	all := sorted(ids...)

	tests := []struct {
		name   string
		filter wijkhelpt.RequestFilter
		want   []string
	}{
		{"all", wijkhelpt.RequestFilter{}, all},
		{"page", wijkhelpt.RequestFilter{After: all[1], Limit: 2}, all[2:4]},
		{"last page", wijkhelpt.RequestFilter{After: all[3], Limit: 2}, all[4:]},
		{"after the last", wijkhelpt.RequestFilter{After: all[4]}, []string{}},
		{"phone", wijkhelpt.RequestFilter{Phone: "+31611111111"}, sorted(ids[0], ids[2], ids[4])},
		{"statuses", wijkhelpt.RequestFilter{Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestProposed, wijkhelpt.RequestCancelled}},
			sorted(ids[1], ids[3])},
		{"status open", wijkhelpt.RequestFilter{Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestOpen}}, sorted(ids[0], ids[2], ids[4])},
		{"offer", wijkhelpt.RequestFilter{OfferID: offer.ID}, []string{ids[1]}},
		{"unknown offer", wijkhelpt.RequestFilter{OfferID: "other"}, []string{}},
		{"phone and status", wijkhelpt.RequestFilter{Phone: "+31622222222", Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestOpen}}, []string{}},
		{"phone and page", wijkhelpt.RequestFilter{Phone: "+31611111111", After: sorted(ids[0], ids[2], ids[4])[0], Limit: 1},
			sorted(ids[0], ids[2], ids[4])[1:2]},
	}
	for _, tt := range tests {
		rs, err := s.FindRequests(ctx, tt.filter)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := requestIDs(rs); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q; want %q", tt.name, got, tt.want)
		}
	}

	// Paging through everything, two at a time, gives every request once.
	var paged []string
	after := ""
	for range len(ids) + 1 {
		page, err := s.FindRequests(ctx, wijkhelpt.RequestFilter{After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, requestIDs(page)...)
		after = page[len(page)-1].ID
	}
	if !slices.Equal(paged, all) {
		t.Errorf("paging by 2: %q; want %q", paged, all)
	}
}

func testFindRequestsLimits(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	reqs := make([]*wijkhelpt.Request, 510)
	for i := range reqs {
		reqs[i] = newRequest(t, "", "+31612345678")
	}
	if n, err := s.InsertRequests(ctx, reqs); err != nil || n != len(reqs) {
		t.Fatalf("InsertRequests = %d, %v; want %d", n, err, len(reqs))
	}
	for _, tt := range []struct{ limit, want int }{{0, 50}, {7, 7}, {500, 500}, {1000, 500}} {
		got, err := s.FindRequests(ctx, wijkhelpt.RequestFilter{Limit: tt.limit})
		if err != nil || len(got) != tt.want {
			t.Errorf("FindRequests limit %d: %d requests, %v; want %d", tt.limit, len(got), err, tt.want)
		}
	}
	for _, tt := range []struct{ limit, want int }{{0, 100}, {7, 7}, {1000, 510}} {
		got, err := s.RequestsChangedSince(ctx, 0, tt.limit)
		if err != nil || len(got) != tt.want {
			t.Errorf("RequestsChangedSince limit %d: %d requests, %v; want %d", tt.limit, len(got), err, tt.want)
		}
	}
	if n, err := s.CountRequests(ctx); err != nil || n != 510 {
		t.Errorf("CountRequests = %d, %v; want 510", n, err)
	}
}

func testRequestsDueAndPending(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	quiet := createRequest(t, s, newRequest(t, "", "+31612345678"))
	updateRequest(t, s, quiet.ID, func(r *wijkhelpt.Request) error {
		keys := []string{}
		for _, m := range r.Outbox {
			keys = append(keys, m.Key)
		}
		r.MarkRelayed(keys...)
		return nil
	})
	late, _ := proposedRequest(t, s, 1, 2*time.Hour) // answer by t0+2h
	early, _ := proposedRequest(t, s, 1, time.Hour)  // answer by t0+1h
	// late is written again, so its revision is now above early's.
	noted := updateRequest(t, s, late.ID, func(r *wijkhelpt.Request) error {
		return r.AddNote("gebeld", mediator, t0)
	})
	if noted.Revision <= early.Revision {
		t.Fatalf("revision %d of a later write; want above %d", noted.Revision, early.Revision)
	}

	pending, err := s.RequestsWithPendingMessages(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := requestIDs(pending), []string{early.ID, late.ID}; !slices.Equal(got, want) {
		t.Errorf("with pending messages: %q; want %q, lowest revision first", got, want)
	}
	pending, err = s.RequestsWithPendingMessages(ctx, 1)
	if got, want := requestIDs(pending), []string{early.ID}; err != nil || !slices.Equal(got, want) {
		t.Errorf("with pending messages, limit 1: %q, %v; want %q", got, err, want)
	}

	for _, tt := range []struct {
		at    time.Time
		limit int
		want  []string
	}{
		{t0.Add(59 * time.Minute), 10, []string{}},
		{t0.Add(time.Hour), 10, []string{early.ID}},
		{t0.Add(2 * time.Hour), 10, []string{early.ID, late.ID}},
		{t0.Add(48 * time.Hour), 0, []string{early.ID, late.ID}},
		{t0.Add(48 * time.Hour), 1, []string{early.ID}},
	} {
		due, err := s.RequestsDue(ctx, tt.at, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if got := requestIDs(due); !slices.Equal(got, tt.want) {
			t.Errorf("due at %v, limit %d: %q; want %q", tt.at, tt.limit, got, tt.want)
		}
	}
}

func testInsertRequestsTwice(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	taken := createRequest(t, s, newRequest(t, "", "+31612345678"))
	rows := func() []*wijkhelpt.Request {
		out := []*wijkhelpt.Request{}
		for i := range 40 {
			r := newRequest(t, fmt.Sprintf("import:file.csv:%d", i), "+31612345678")
			r.PendingMessages = 0 // stale on purpose
			out = append(out, r)
		}
		out[7].Ref = taken.Ref // a clash with a stored reference
		out[9].Ref = out[8].Ref
		return out
	}
	n, err := s.InsertRequests(ctx, rows())
	if err != nil || n != 40 {
		t.Fatalf("first import: %d, %v; want 40", n, err)
	}
	// The same file again: new objects, new IDs, the same keys.
	n, err = s.InsertRequests(ctx, rows())
	if err != nil || n != 0 {
		t.Fatalf("second import: %d, %v; want 0", n, err)
	}
	// Rows without a key are known by their ID.
	plain := []*wijkhelpt.Request{newRequest(t, "", "+31612345678"), newRequest(t, "", "+31612345678")}
	if n, err := s.InsertRequests(ctx, plain); err != nil || n != 2 {
		t.Fatalf("import without keys: %d, %v; want 2", n, err)
	}
	if n, err := s.InsertRequests(ctx, plain); err != nil || n != 0 {
		t.Fatalf("the same rows without keys again: %d, %v; want 0", n, err)
	}
	if n, err := s.InsertRequests(ctx, nil); err != nil || n != 0 {
		t.Errorf("InsertRequests(nil) = %d, %v; want 0", n, err)
	}
	if count, err := s.CountRequests(ctx); err != nil || count != 43 {
		t.Errorf("CountRequests = %d, %v; want 43", count, err)
	}
	all, err := s.FindRequests(ctx, wijkhelpt.RequestFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 43 {
		t.Fatalf("FindRequests: %d requests; want 43", len(all))
	}
	refs, revs := map[string]bool{}, map[int64]bool{}
	for _, r := range all {
		if refs[r.Ref] || revs[r.Revision] || r.Revision <= 0 {
			t.Errorf("request %s: ref %s or revision %d shared with another or missing", r.ID, r.Ref, r.Revision)
		}
		refs[r.Ref], revs[r.Revision] = true, true
		if r.SchemaVersion != wijkhelpt.SchemaVersion || r.PendingMessages != 1 {
			t.Errorf("request %s: schema %d, pending %d; want %d and 1", r.ID, r.SchemaVersion, r.PendingMessages, wijkhelpt.SchemaVersion)
		}
		if got, err := s.FindRequestByRef(ctx, r.Ref); err != nil || got.ID != r.ID {
			t.Errorf("FindRequestByRef(%s) = %v, %v; want %s", r.Ref, got, err, r.ID)
		}
	}
	// An imported request is found by its key like any other.
	again, created, err := s.CreateRequest(ctx, newRequest(t, "import:file.csv:3", "+31612345678"))
	if err != nil || created {
		t.Errorf("CreateRequest with an imported key: created %v, %v; want the imported request", created, err)
	} else if again.IdempotencyKey != "import:file.csv:3" {
		t.Errorf("CreateRequest with an imported key returned key %q", again.IdempotencyKey)
	}
}
