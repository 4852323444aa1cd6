package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"wijkhelpt"
	"wijkhelpt/store"
)

var requestScenarios = []scenario{
	{"request/create and find", testCreateAndFindRequest},
	{"request/reference clash draws a new one", testRequestRefClash},
	{"request/idempotent create under concurrency", testCreateRequestIdempotent},
	{"request/concurrent accepts: one wins", testConcurrentAccepts},
	{"request/forbidden transition changes nothing", testForbiddenTransition},
	{"request/update returns fn's error unchanged", testUpdateRequestFnError},
	{"request/derived fields are stamped", testRequestDerivedFields},
	{"request/find filters and pages", testFindRequests},
	{"request/find limits", testFindRequestsLimits},
	{"request/due and pending messages", testRequestsDueAndPending},
	{"request/insert twice adds nothing", testInsertRequestsTwice},
}

// clone returns a deep copy of v, made through BSON as a store would.
func clone[T any](tb testing.TB, v *T) *T {
	tb.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		tb.Fatalf("clone: %v", err)
	}
	out := new(T)
	if err := bson.Unmarshal(b, out); err != nil {
		tb.Fatalf("clone: %v", err)
	}
	return out
}

func testCreateAndFindRequest(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	r := newRequest(t, "", "+31612345678")
	before := clone(t, r)

	stored, created, err := s.CreateRequest(ctx, r)
	if err != nil || !created {
		t.Fatalf("CreateRequest: created %v, err %v; want a new request", created, err)
	}
	if stored.Revision <= 0 || stored.SchemaVersion != wijkhelpt.SchemaVersion {
		t.Errorf("stored revision %d, schema %d; want a revision and schema %d", stored.Revision, stored.SchemaVersion, wijkhelpt.SchemaVersion)
	}
	if diff := storedDiff(before, r); diff != "" {
		t.Errorf("CreateRequest changed its argument (-before +after):\n%s", diff)
	}
	want := clone(t, before)
	want.Revision = stored.Revision
	if diff := storedDiff(want, stored); diff != "" {
		t.Errorf("stored request differs from the one given (-given +stored):\n%s", diff)
	}
	if n, err := s.CountRequests(ctx); err != nil || n != 1 {
		t.Errorf("CountRequests = %d, %v; want 1", n, err)
	}

	finds := []struct {
		name string
		find func() (*wijkhelpt.Request, error)
	}{
		{"id", func() (*wijkhelpt.Request, error) { return s.FindRequest(ctx, r.ID) }},
		{"ref", func() (*wijkhelpt.Request, error) { return s.FindRequestByRef(ctx, r.Ref) }},
		{"ref in lower case", func() (*wijkhelpt.Request, error) { return s.FindRequestByRef(ctx, " "+strings.ToLower(r.Ref)+" ") }},
		{"token", func() (*wijkhelpt.Request, error) { return s.FindRequestByToken(ctx, r.TokenHash) }},
	}
	for _, f := range finds {
		got, err := f.find()
		if err != nil {
			t.Errorf("find by %s: %v", f.name, err)
			continue
		}
		if diff := storedDiff(stored, got); diff != "" {
			t.Errorf("find by %s: differs from stored (-stored +found):\n%s", f.name, diff)
		}
	}

	misses := []struct {
		name string
		find func() (*wijkhelpt.Request, error)
	}{
		{"id", func() (*wijkhelpt.Request, error) { return s.FindRequest(ctx, "nope") }},
		{"ref", func() (*wijkhelpt.Request, error) { return s.FindRequestByRef(ctx, "WH-0000") }},
		{"token", func() (*wijkhelpt.Request, error) { return s.FindRequestByToken(ctx, wijkhelpt.HashToken("other")) }},
		{"empty token", func() (*wijkhelpt.Request, error) { return s.FindRequestByToken(ctx, "") }},
		{"match of unknown request", func() (*wijkhelpt.Request, error) { return s.FindRequestByMatch(ctx, "nope-1") }},
		{"unknown match of request", func() (*wijkhelpt.Request, error) { return s.FindRequestByMatch(ctx, r.ID+"-1") }},
		{"malformed match", func() (*wijkhelpt.Request, error) { return s.FindRequestByMatch(ctx, "x") }},
	}
	for _, m := range misses {
		got, err := m.find()
		if code := codeOf(err); code != wijkhelpt.ErrNotFound || got != nil {
			t.Errorf("missing %s: got %v, code %q (%v); want nil and %q", m.name, got, code, err, wijkhelpt.ErrNotFound)
		}
	}

	// The very same request again is refused, not stored twice.
	if _, _, err := s.CreateRequest(ctx, newRequestLike(t, r)); codeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("CreateRequest of a stored ID: %v; want a conflict", err)
	}
	if n, err := s.CountRequests(ctx); err != nil || n != 1 {
		t.Errorf("CountRequests after a refused create = %d, %v; want 1", n, err)
	}

	proposed := updateRequest(t, s, r.ID, func(r *wijkhelpt.Request) error {
		return r.Propose([]wijkhelpt.Proposal{{Offer: newOffer("Bert Bakker", ""), DistanceKm: 1}}, mediator, t0, time.Hour)
	})
	got, err := s.FindRequestByMatch(ctx, proposed.Matches[0].ID)
	if err != nil {
		t.Fatalf("FindRequestByMatch(%s): %v", proposed.Matches[0].ID, err)
	}
	if diff := storedDiff(proposed, got); diff != "" {
		t.Errorf("FindRequestByMatch differs from the stored request (-stored +found):\n%s", diff)
	}
}

// newRequestLike returns a request with r's ID but nothing else in common
// that a store could tell it by.
func newRequestLike(tb testing.TB, r *wijkhelpt.Request) *wijkhelpt.Request {
	tb.Helper()
	again := newRequest(tb, "", "+31699999999")
	again.ID = r.ID
	return again
}

func testRequestRefClash(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	const ref = "WH-7K3F"
	a := newRequest(t, "", "+31612345678")
	a.Ref = ref
	first := createRequest(t, s, a)
	if first.Ref != ref {
		t.Errorf("first request stored with ref %s; want the free ref %s it came with", first.Ref, ref)
	}
	b := newRequest(t, "", "+31612345679")
	b.Ref = ref
	second := createRequest(t, s, b)
	if second.ID != b.ID {
		t.Errorf("second request stored as %s; want its own ID %s", second.ID, b.ID)
	}
	if second.Ref == ref || len(second.Ref) != len(ref) || !strings.HasPrefix(second.Ref, "WH-") {
		t.Errorf("second request got ref %q; want a new one like %q", second.Ref, ref)
	}
	for _, want := range []*wijkhelpt.Request{first, second} {
		got, err := s.FindRequestByRef(ctx, want.Ref)
		if err != nil || got.ID != want.ID {
			t.Errorf("FindRequestByRef(%s) = %v, %v; want request %s", want.Ref, got, err, want.ID)
		}
	}
	if n, err := s.CountRequests(ctx); err != nil || n != 2 {
		t.Errorf("CountRequests = %d, %v; want 2", n, err)
	}
}

func testCreateRequestIdempotent(t *testing.T, open opener) {
	s := open(t)
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
			stored, created, err := s.CreateRequest(ctx, r)
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
		t.Fatalf("%d created, %d distinct IDs returned; want exactly one of each", created, len(ids))
	}
	if count, err := s.CountRequests(ctx); err != nil || count != 1 {
		t.Errorf("CountRequests = %d, %v; want 1", count, err)
	}
	stored, err := s.FindRequest(ctx, results[0].r.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, res := range results {
		if diff := storedDiff(stored, res.r); diff != "" {
			t.Errorf("CreateRequest %d returned another request than the stored one (-stored +returned):\n%s", i, diff)
		}
	}
	// A retry much later still finds it.
	again, created2, err := s.CreateRequest(ctx, newRequest(t, "form-7f3a", "+31612345678"))
	if err != nil || created2 || again.ID != stored.ID {
		t.Errorf("late retry: %v, created %v, %v; want request %s, not created", again, created2, err, stored.ID)
	}
}

// proposedRequest stores a request proposed to n volunteers. Propose asks
// at most three at once; the scenario adds more proposals of the same shape
// so that n volunteers can race for it.
func proposedRequest(tb testing.TB, s store.Store, n int, timeout time.Duration) (*wijkhelpt.Request, []string) {
	tb.Helper()
	r := createRequest(tb, s, newRequest(tb, "", "+31612345678"))
	offers := newOffers(n, "")
	got := updateRequest(tb, s, r.ID, func(r *wijkhelpt.Request) error {
		props := []wijkhelpt.Proposal{}
		for _, o := range offers[:min(n, wijkhelpt.MaxProposals)] {
			props = append(props, wijkhelpt.Proposal{Offer: o, DistanceKm: 1.2, Score: 0.8})
		}
		if err := r.Propose(props, mediator, t0, timeout); err != nil {
			return err
		}
		for i, o := range offers[len(props):] {
			m := r.Matches[0]
			m.ID = fmt.Sprintf("%s-%d", r.ID, len(props)+i+1)
			m.OfferID = o.ID
			r.Matches = append(r.Matches, m)
		}
		return nil
	})
	ids := []string{}
	for _, m := range got.Matches {
		ids = append(ids, m.ID)
	}
	if len(ids) != n || got.Status != wijkhelpt.RequestProposed {
		tb.Fatalf("request has %d matches, status %s; want %d and proposed", len(ids), got.Status, n)
	}
	return got, ids
}

func testConcurrentAccepts(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	r, matchIDs := proposedRequest(t, s, 20, time.Hour)

	results := make([]*wijkhelpt.Request, len(matchIDs))
	errs := make([]error, len(matchIDs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, id := range matchIDs {
		wg.Go(func() {
			<-start
			results[i], errs[i] = s.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
				return r.Accept(id, wijkhelpt.SMSActor("offer"), t0.Add(time.Minute))
			})
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Errorf("accepts of %s and %s both succeeded", matchIDs[winner], matchIDs[i])
				continue
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("no accept succeeded; errors %v", errs)
	}
	stored, err := s.FindRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Every loser got the domain's own refusal, as Accept gives it on the
	// request the winner left behind: not a store error, not a give-up.
	for i, err := range errs {
		if i == winner {
			continue
		}
		want := stored.Accept(matchIDs[i], wijkhelpt.SMSActor("offer"), t0.Add(time.Minute))
		if want == nil {
			t.Fatalf("Accept(%s) on the stored request succeeded; want a refusal", matchIDs[i])
		}
		if codeOf(err) != wijkhelpt.ErrConflict || wijkhelpt.AsError(err).Message != wijkhelpt.AsError(want).Message {
			t.Errorf("accept of %s: got %v; want the domain's refusal %v", matchIDs[i], err, want)
		}
	}
	stored, err = s.FindRequest(ctx, r.ID) // Accept above changed the copy
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
	accepted := []string{}
	for _, m := range stored.Matches {
		if m.Status == wijkhelpt.MatchAccepted {
			accepted = append(accepted, m.ID)
		}
	}
	if want := []string{matchIDs[winner]}; !slices.Equal(accepted, want) {
		t.Errorf("accepted matches %q; want %q", accepted, want)
	}
	if stored.Revision <= r.Revision {
		t.Errorf("revision %d after accept; want more than %d", stored.Revision, r.Revision)
	}
}

func testForbiddenTransition(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	r, matchIDs := proposedRequest(t, s, 3, time.Hour)
	matched := updateRequest(t, s, r.ID, func(r *wijkhelpt.Request) error {
		return r.Accept(matchIDs[0], wijkhelpt.SMSActor("offer"), t0.Add(time.Minute))
	})
	calls := 0
	_, err := s.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		calls++
		return r.Refer("Vitras thuiszorg", "", mediator, t0.Add(time.Hour))
	})
	var derr *wijkhelpt.Error
	if !errors.As(err, &derr) || derr.Code != wijkhelpt.ErrConflict || derr.Message.NL == "" || derr.Message.EN == "" {
		t.Fatalf("Refer on a matched request: %v; want a conflict *wijkhelpt.Error with a message", err)
	}
	if calls != 1 {
		t.Errorf("fn ran %d times; want once: a refusal is not retried", calls)
	}
	after, err := s.FindRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Revision != matched.Revision {
		t.Errorf("revision %d after a refused transition; want it unchanged, %d", after.Revision, matched.Revision)
	}
	if diff := storedDiff(matched, after); diff != "" {
		t.Errorf("refused transition changed the request (-before +after):\n%s", diff)
	}
}

func testUpdateRequestFnError(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	r := createRequest(t, s, newRequest(t, "", "+31612345678"))
	sentinel := errors.New("no thanks")
	_, err := s.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		r.Text = "changed"
		return sentinel
	})
	if err != sentinel {
		t.Errorf("UpdateRequest returned %v; want fn's error itself", err)
	}
	domain := wijkhelpt.Invalid("note", wijkhelpt.T("nee", "no"))
	_, err = s.UpdateRequest(ctx, r.ID, func(*wijkhelpt.Request) error { return domain })
	if err != error(domain) {
		t.Errorf("UpdateRequest returned %v; want fn's *wijkhelpt.Error itself", err)
	}
	after, err := s.FindRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(r, after); diff != "" {
		t.Errorf("failed update changed the request (-before +after):\n%s", diff)
	}

	called := false
	_, err = s.UpdateRequest(ctx, "missing", func(*wijkhelpt.Request) error { called = true; return nil })
	if codeOf(err) != wijkhelpt.ErrNotFound || called {
		t.Errorf("UpdateRequest of a missing request: %v, fn called %v; want not found without calling fn", err, called)
	}
}
