package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

func TestCreateAndFindRequest(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	r := newRequest(t, "", "+31612345678")
	before := *r

	stored, created, err := db.CreateRequest(ctx, r)
	if err != nil || !created {
		t.Fatalf("CreateRequest: created %v, err %v; want a new request", created, err)
	}
	if stored.Revision <= 0 || stored.SchemaVersion != wijkhelpt.SchemaVersion {
		t.Errorf("stored revision %d, schema %d; want a revision and schema %d", stored.Revision, stored.SchemaVersion, wijkhelpt.SchemaVersion)
	}
	if diff := storedDiff(&before, r); diff != "" {
		t.Errorf("CreateRequest changed its argument (-before +after):\n%s", diff)
	}

	finds := []struct {
		name string
		find func() (*wijkhelpt.Request, error)
	}{
		{"id", func() (*wijkhelpt.Request, error) { return db.FindRequest(ctx, r.ID) }},
		{"ref", func() (*wijkhelpt.Request, error) { return db.FindRequestByRef(ctx, r.Ref) }},
		{"ref lower case", func() (*wijkhelpt.Request, error) { return db.FindRequestByRef(ctx, " "+toLower(r.Ref)+" ") }},
		{"token", func() (*wijkhelpt.Request, error) { return db.FindRequestByToken(ctx, r.TokenHash) }},
	}
	for _, f := range finds {
		t.Run(f.name, func(t *testing.T) {
			got, err := f.find()
			if err != nil {
				t.Fatal(err)
			}
			if diff := storedDiff(stored, got); diff != "" {
				t.Errorf("found request differs from stored (-stored +found):\n%s", diff)
			}
		})
	}

	misses := []struct {
		name string
		find func() (*wijkhelpt.Request, error)
	}{
		{"id", func() (*wijkhelpt.Request, error) { return db.FindRequest(ctx, "nope") }},
		{"ref", func() (*wijkhelpt.Request, error) { return db.FindRequestByRef(ctx, "WH-0000") }},
		{"token", func() (*wijkhelpt.Request, error) { return db.FindRequestByToken(ctx, wijkhelpt.HashToken("other")) }},
		{"empty token", func() (*wijkhelpt.Request, error) { return db.FindRequestByToken(ctx, "") }},
		{"match of unknown request", func() (*wijkhelpt.Request, error) { return db.FindRequestByMatch(ctx, "nope-1") }},
		{"unknown match of request", func() (*wijkhelpt.Request, error) { return db.FindRequestByMatch(ctx, r.ID+"-1") }},
		{"malformed match", func() (*wijkhelpt.Request, error) { return db.FindRequestByMatch(ctx, "x") }},
	}
	for _, m := range misses {
		t.Run("missing "+m.name, func(t *testing.T) {
			got, err := m.find()
			if code := codeOf(err); code != wijkhelpt.ErrNotFound || got != nil {
				t.Errorf("got %v, code %q (%v); want nil and %q", got, code, err, wijkhelpt.ErrNotFound)
			}
		})
	}
}

func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestCreateRequestDrawsNewRefOnClash(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	first, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678"))
	if err != nil {
		t.Fatal(err)
	}
	r := newRequest(t, "", "+31612345679")
	r.Ref = first.Ref
	second, created, err := db.CreateRequest(ctx, r)
	if err != nil || !created {
		t.Fatalf("CreateRequest: created %v, err %v", created, err)
	}
	if second.Ref == first.Ref {
		t.Errorf("second request got the taken ref %s", second.Ref)
	}
	got, err := db.FindRequestByRef(ctx, second.Ref)
	if err != nil || got.ID != r.ID {
		t.Errorf("FindRequestByRef(%s) = %v, %v; want request %s", second.Ref, got, err, r.ID)
	}
	// Storing the very same request again is refused, not duplicated.
	if _, _, err := db.CreateRequest(ctx, r); codeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("CreateRequest of a stored ID: %v; want a conflict", err)
	}
}

func TestCreateRequestIdempotentUnderConcurrency(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	const n = 10
	type result struct {
		r       *wijkhelpt.Request
		created bool
		err     error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		// Every retry is a new request object, as after a double click.
		r := newRequest(t, "form-7f3a", "+31612345678")
		wg.Go(func() {
			<-start
			stored, created, err := db.CreateRequest(ctx, r)
			results[i] = result{stored, created, err}
		})
	}
	close(start)
	wg.Wait()

	created := 0
	ids := map[string]bool{}
	for i, res := range results {
		if res.err != nil {
			t.Fatalf("CreateRequest %d: %v", i, res.err)
		}
		if res.created {
			created++
		}
		ids[res.r.ID] = true
	}
	if created != 1 || len(ids) != 1 {
		t.Errorf("%d created, %d distinct IDs returned; want exactly one of each", created, len(ids))
	}
	if count, err := db.CountRequests(ctx); err != nil || count != 1 {
		t.Errorf("CountRequests = %d, %v; want 1", count, err)
	}
}

// proposedRequest stores a request proposed to ten volunteers. Propose asks
// at most three at once; the test adds seven more proposals of the same
// shape so that ten volunteers can race for it.
func proposedRequest(t *testing.T, db *store.DB) (*wijkhelpt.Request, []string) {
	t.Helper()
	ctx := t.Context()
	r, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678"))
	if err != nil {
		t.Fatal(err)
	}
	offers := newOffers(10, "")
	got, err := db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		props := []wijkhelpt.Proposal{}
		for _, o := range offers[:3] {
			props = append(props, wijkhelpt.Proposal{Offer: o, DistanceKm: 1.2, Score: 0.8})
		}
		if err := r.Propose(props, mediator, t0, time.Hour); err != nil {
			return err
		}
		for i, o := range offers[3:] {
			m := r.Matches[0]
			m.ID = fmt.Sprintf("%s-%d", r.ID, i+4)
			m.OfferID = o.ID
			r.Matches = append(r.Matches, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, m := range got.Matches {
		ids = append(ids, m.ID)
	}
	if len(ids) != 10 || got.Status != wijkhelpt.RequestProposed {
		t.Fatalf("request has %d matches, status %s; want 10 and proposed", len(ids), got.Status)
	}
	return got, ids
}

func TestConcurrentAcceptsOneWins(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	r, matchIDs := proposedRequest(t, db)

	results := make([]*wijkhelpt.Request, len(matchIDs))
	errs := make([]error, len(matchIDs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, id := range matchIDs {
		wg.Go(func() {
			<-start
			results[i], errs[i] = db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
				return r.Accept(id, wijkhelpt.SMSActor("offer"), t0.Add(time.Minute))
			})
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner < 0:
			winner = i
		case err == nil:
			t.Errorf("accepts of %s and %s both succeeded", matchIDs[winner], matchIDs[i])
		case codeOf(err) != wijkhelpt.ErrConflict:
			t.Errorf("accept of %s: %v; want a conflict", matchIDs[i], err)
		}
	}
	if winner < 0 {
		t.Fatal("no accept succeeded")
	}
	stored, err := db.FindRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The losers wrote nothing: the stored request is the winner's result.
	if diff := storedDiff(results[winner], stored); diff != "" {
		t.Errorf("stored request differs from the winning write (-winner +stored):\n%s", diff)
	}
	if stored.Status != wijkhelpt.RequestMatched {
		t.Errorf("status %s; want matched", stored.Status)
	}
	accepted := 0
	for _, m := range stored.Matches {
		if m.Status == wijkhelpt.MatchAccepted {
			accepted++
			if m.ID != matchIDs[winner] {
				t.Errorf("match %s accepted; want %s", m.ID, matchIDs[winner])
			}
		}
	}
	if accepted != 1 {
		t.Errorf("%d accepted matches; want 1", accepted)
	}
	if stored.Revision <= r.Revision {
		t.Errorf("revision %d after accept; want more than %d", stored.Revision, r.Revision)
	}
}

func TestForbiddenTransitionChangesNothing(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	r, matchIDs := proposedRequest(t, db)
	matched, err := db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		return r.Accept(matchIDs[0], wijkhelpt.SMSActor("offer"), t0.Add(time.Minute))
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	_, err = db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		calls++
		return r.Refer("Vitras thuiszorg", "", mediator, t0.Add(time.Hour))
	})
	var derr *wijkhelpt.Error
	if !errors.As(err, &derr) || derr.Code != wijkhelpt.ErrConflict || derr.Message.NL == "" || derr.Message.EN == "" {
		t.Fatalf("Refer on a matched request: %v; want a conflict *wijkhelpt.Error with a message", err)
	}
	if calls != 1 {
		t.Errorf("fn ran %d times; a refusal must not be retried", calls)
	}
	after, err := db.FindRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(matched, after); diff != "" {
		t.Errorf("refused transition changed the request (-before +after):\n%s", diff)
	}
}

func TestUpdateRequestReturnsErrorsOfFnUnchanged(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	r, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678"))
	if err != nil {
		t.Fatal(err)
	}
	sentinel := errors.New("no thanks")
	_, err = db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		r.Text = "changed"
		return sentinel
	})
	if err != sentinel {
		t.Errorf("UpdateRequest returned %v; want fn's error itself", err)
	}
	after, err := db.FindRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(r, after); diff != "" {
		t.Errorf("failed update changed the request (-before +after):\n%s", diff)
	}

	called := false
	_, err = db.UpdateRequest(ctx, "missing", func(*wijkhelpt.Request) error { called = true; return nil })
	if codeOf(err) != wijkhelpt.ErrNotFound || called {
		t.Errorf("UpdateRequest of a missing request: %v, fn called %v; want not found without calling fn", err, called)
	}
}

func TestUpdateRequestStampsAndClearsDerivedFields(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	r, matchIDs := proposedRequest(t, db)
	if r.ProposalDeadline == nil {
		t.Fatal("proposed request has no proposal deadline")
	}
	if !r.UpdatedAt.Equal(t0) {
		t.Errorf("UpdatedAt %v; want the time Propose set, %v", r.UpdatedAt, t0)
	}
	// A change that sets no time of its own gets the store's time.
	noted, err := db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		r.Urgent = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if noted.UpdatedAt.Equal(r.UpdatedAt) || noted.Revision <= r.Revision {
		t.Errorf("after a change without a time: updated %v, revision %d; want a new time and a revision above %d",
			noted.UpdatedAt, noted.Revision, r.Revision)
	}
	// Every proposal declined: the deadline must be gone from the stored
	// document, not left behind by a partial update.
	done, err := db.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		for _, id := range matchIDs {
			if err := r.Decline(id, wijkhelpt.SMSActor("offer"), t0.Add(time.Minute), false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if done.ProposalDeadline != nil || done.Status != wijkhelpt.RequestOpen {
		t.Errorf("after declines: deadline %v, status %s; want none and open", done.ProposalDeadline, done.Status)
	}
	due, err := db.RequestsDue(ctx, t0.Add(48*time.Hour), 0)
	if err != nil || len(due) != 0 {
		t.Errorf("RequestsDue after declines = %d requests, %v; want none", len(due), err)
	}
}

func TestUpdateRequestRetriesAfterAnotherWriter(t *testing.T) {
	uri, name := storetest.Database(t)
	ctx := t.Context()
	// Two handles on one database stand for two service instances: they
	// share no locks, so only the conditional write keeps them apart.
	a := openDB(t, uri, name)
	b := openDB(t, uri, name)
	r, _, err := a.CreateRequest(ctx, newRequest(t, "", "+31612345678"))
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	got, err := a.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		calls++
		if calls == 1 {
			// The other instance writes after this read, before this write.
			if _, err := b.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
				return r.AddNote("tussendoor", mediator, t0.Add(time.Minute))
			}); err != nil {
				return err
			}
		}
		return r.AddNote("daarna", mediator, t0.Add(2*time.Minute))
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("fn ran %d times; want 2 (once more after the other write)", calls)
	}
	notes := []string{}
	for _, n := range got.Notes {
		notes = append(notes, n.Text)
	}
	if want := []string{"tussendoor", "daarna"}; !slices.Equal(notes, want) {
		t.Errorf("notes %q; want %q: both writes kept, in order", notes, want)
	}

	// A writer that loses every time gives up with a conflict.
	calls = 0
	_, err = a.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		calls++
		_, err := b.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
			r.Urgent = !r.Urgent
			return nil
		})
		if err != nil {
			return err
		}
		return r.AddNote("nooit", mediator, t0)
	})
	if codeOf(err) != wijkhelpt.ErrConflict || calls != 10 {
		t.Errorf("always overtaken: %v after %d tries; want a conflict after 10", err, calls)
	}
	after, err := a.FindRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Notes) != 2 {
		t.Errorf("%d notes stored; want the 2 from before", len(after.Notes))
	}
}

func openDB(t *testing.T, uri, name string) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), uri, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return db
}

func TestFindRequestsFiltersAndPages(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	phones := []string{"+31611111111", "+31622222222", "+31611111111", "+31633333333", "+31611111111"}
	ids := []string{}
	for _, p := range phones {
		r, _, err := db.CreateRequest(ctx, newRequest(t, "", p))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	offer := newOffer("Bert Bakker", "")
	_, err := db.UpdateRequest(ctx, ids[1], func(r *wijkhelpt.Request) error {
		return r.Propose([]wijkhelpt.Proposal{{Offer: offer, DistanceKm: 1}}, mediator, t0, time.Hour)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.UpdateRequest(ctx, ids[3], func(r *wijkhelpt.Request) error {
		return r.Cancel(wijkhelpt.ActorResident, "niet meer nodig", t0)
	})
	if err != nil {
		t.Fatal(err)
	}
	sorted := slices.Sorted(slices.Values(ids))

	tests := []struct {
		name   string
		filter wijkhelpt.RequestFilter
		want   []string
	}{
		{"all", wijkhelpt.RequestFilter{}, sorted},
		{"page", wijkhelpt.RequestFilter{After: sorted[1], Limit: 2}, sorted[2:4]},
		{"phone", wijkhelpt.RequestFilter{Phone: "+31611111111"}, slices.Sorted(slices.Values([]string{ids[0], ids[2], ids[4]}))},
		{"statuses", wijkhelpt.RequestFilter{Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestProposed, wijkhelpt.RequestCancelled}},
			slices.Sorted(slices.Values([]string{ids[1], ids[3]}))},
		{"offer", wijkhelpt.RequestFilter{OfferID: offer.ID}, []string{ids[1]}},
		{"nothing", wijkhelpt.RequestFilter{OfferID: "other"}, []string{}},
		{"phone and status", wijkhelpt.RequestFilter{Phone: "+31622222222", Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestOpen}}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := db.FindRequests(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, r := range rs {
				got = append(got, r.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}

	r, err := db.FindRequestByMatch(ctx, ids[1]+"-1")
	if err != nil || r.ID != ids[1] {
		t.Errorf("FindRequestByMatch = %v, %v; want request %s", r, err, ids[1])
	}
}

func TestFindRequestsLimits(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	reqs := make([]*wijkhelpt.Request, 510)
	for i := range reqs {
		reqs[i] = newRequest(t, "", "+31612345678")
	}
	if n, err := db.InsertRequests(ctx, reqs); err != nil || n != len(reqs) {
		t.Fatalf("InsertRequests = %d, %v", n, err)
	}
	for _, tt := range []struct{ limit, want int }{{0, 50}, {7, 7}, {1000, 500}} {
		got, err := db.FindRequests(ctx, wijkhelpt.RequestFilter{Limit: tt.limit})
		if err != nil || len(got) != tt.want {
			t.Errorf("limit %d: %d requests, %v; want %d", tt.limit, len(got), err, tt.want)
		}
	}
}

func TestRequestsDueAndPendingMessages(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	quiet, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.UpdateRequest(ctx, quiet.ID, func(r *wijkhelpt.Request) error {
		keys := []string{}
		for _, m := range r.Outbox {
			keys = append(keys, m.Key)
		}
		r.MarkRelayed(keys...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	proposed, _ := proposedRequest(t, db) // proposed at t0, an hour to answer

	pending, err := db.RequestsWithPendingMessages(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := requestIDs(pending); !slices.Equal(got, []string{proposed.ID}) {
		t.Errorf("with pending messages: %q; want only %s", got, proposed.ID)
	}
	for _, tt := range []struct {
		at   time.Time
		want []string
	}{
		{t0.Add(59 * time.Minute), []string{}},
		{t0.Add(time.Hour), []string{proposed.ID}},
		{t0.Add(48 * time.Hour), []string{proposed.ID}},
	} {
		due, err := db.RequestsDue(ctx, tt.at, 10)
		if err != nil {
			t.Fatal(err)
		}
		if got := requestIDs(due); !slices.Equal(got, tt.want) {
			t.Errorf("due at %v: %q; want %q", tt.at, got, tt.want)
		}
	}
}

func requestIDs(rs []*wijkhelpt.Request) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestRevisionFeedWithCursor(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	var ids []string
	for range 5 {
		r, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	cur := wijkhelpt.NewCursor(0)
	now := t0
	// read follows the feed in pages of two until it is exhausted.
	read := func() []string {
		t.Helper()
		seen := []string{}
		for {
			page, err := db.RequestsChangedSince(ctx, cur.From(), 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				return seen
			}
			revs := []int64{}
			for i, r := range page {
				if i > 0 && r.Revision <= page[i-1].Revision {
					t.Fatalf("feed out of order: %d after %d", r.Revision, page[i-1].Revision)
				}
				revs = append(revs, r.Revision)
				seen = append(seen, r.ID)
			}
			from := cur.From()
			cur.Advance(revs, now)
			if cur.From() == from {
				return seen // held back by a gap
			}
		}
	}
	if got := read(); !slices.Equal(got, ids) {
		t.Errorf("first read: %q; want every request in creation order %q", got, ids)
	}
	if got := read(); len(got) != 0 {
		t.Errorf("second read: %q; want nothing new", got)
	}

	// A writer that took a revision but has not written yet leaves a gap:
	// the cursor waits for it, and moves on once GapWait has passed.
	inFlight, err := db.NextRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	changed, err := db.UpdateRequest(ctx, ids[2], func(r *wijkhelpt.Request) error {
		return r.AddNote("gebeld", mediator, t0)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := read(); !slices.Equal(got, []string{ids[2]}) {
		t.Errorf("after an update: %q; want %s", got, ids[2])
	}
	if cur.From() != inFlight-1 {
		t.Errorf("cursor at %d; want it held before the missing revision %d", cur.From(), inFlight)
	}
	now = now.Add(wijkhelpt.GapWait)
	if got := read(); !slices.Equal(got, []string{ids[2]}) {
		t.Errorf("re-read behind the gap: %q; want %s again", got, ids[2])
	}
	if cur.From() != changed.Revision {
		t.Errorf("cursor at %d after GapWait; want %d", cur.From(), changed.Revision)
	}
}

func TestInsertRequestsTwiceAddsNothing(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	taken, _, err := db.CreateRequest(ctx, newRequest(t, "", "+31612345678"))
	if err != nil {
		t.Fatal(err)
	}
	rows := func() []*wijkhelpt.Request {
		out := []*wijkhelpt.Request{}
		for i := range 40 {
			out = append(out, newRequest(t, fmt.Sprintf("import:file.csv:%d", i), "+31612345678"))
		}
		out[7].Ref = taken.Ref // a clash with a stored reference
		out[9].Ref = out[8].Ref
		return out
	}
	n, err := db.InsertRequests(ctx, rows())
	if err != nil || n != 40 {
		t.Fatalf("first import: %d, %v; want 40", n, err)
	}
	n, err = db.InsertRequests(ctx, rows())
	if err != nil || n != 0 {
		t.Fatalf("second import: %d, %v; want 0", n, err)
	}
	if count, err := db.CountRequests(ctx); err != nil || count != 41 {
		t.Errorf("CountRequests = %d, %v; want 41", count, err)
	}
	all, err := db.FindRequests(ctx, wijkhelpt.RequestFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	refs, revs := map[string]bool{}, map[int64]bool{}
	for _, r := range all {
		if refs[r.Ref] || revs[r.Revision] {
			t.Errorf("request %s shares its ref %s or revision %d", r.ID, r.Ref, r.Revision)
		}
		refs[r.Ref], revs[r.Revision] = true, true
		if r.SchemaVersion != wijkhelpt.SchemaVersion || r.PendingMessages != 1 {
			t.Errorf("request %s: schema %d, pending %d; want %d and 1", r.ID, r.SchemaVersion, r.PendingMessages, wijkhelpt.SchemaVersion)
		}
	}
}

// BenchmarkUpdateRequest shows what one transition costs as the collection
// grows. On FerretDB the conditional write reads the whole collection (only
// an _id lookup is answered from SQLite); the baseline is a nearly empty one.
func BenchmarkUpdateRequest(b *testing.B) {
	for _, size := range []int{10, 1000} {
		b.Run(fmt.Sprintf("requests=%d", size), func(b *testing.B) {
			db := storetest.Open(b)
			ctx := b.Context()
			reqs := make([]*wijkhelpt.Request, size)
			for i := range reqs {
				reqs[i] = newRequest(b, "", "+31612345678")
			}
			if _, err := db.InsertRequests(ctx, reqs); err != nil {
				b.Fatal(err)
			}
			id := reqs[size/2].ID
			for b.Loop() {
				_, err := db.UpdateRequest(ctx, id, func(r *wijkhelpt.Request) error {
					r.Urgent = !r.Urgent
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
