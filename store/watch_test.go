package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

// pollWriter makes the writes that change what the background polls find:
// new requests with a message to relay, relaying, proposals with an answer
// time and their end, new messages due now or later, claims and saves.
type pollWriter struct {
	db   *store.DB
	now  time.Time
	mu   sync.Mutex
	reqs []string
	msgs []string
	seq  int
	// between, when set, runs between a claim and the save that follows.
	between func()
}

func (w *pollWriter) next(prefix string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	return fmt.Sprintf("%s%05d", prefix, w.seq)
}

func (w *pollWriter) pick(rng *rand.Rand, ids []string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(ids) == 0 {
		return ""
	}
	return ids[rng.IntN(len(ids))]
}

func (w *pollWriter) write(tb testing.TB, ctx context.Context, rng *rand.Rand) error {
	at := func() time.Time { return w.now.Add(time.Duration(rng.IntN(7200)-3600) * time.Second) }
	switch rng.IntN(10) {
	case 8, 9:
		// A request moves to another state (any: the store does not
		// check transitions), as mediators, volunteers and time-outs do.
		id := w.pick(rng, w.reqs)
		if id == "" {
			return nil
		}
		all := wijkhelpt.RequestStatuses()
		_, err := w.db.UpdateRequest(ctx, id, func(r *wijkhelpt.Request) error {
			r.Status = all[rng.IntN(len(all))]
			return nil
		})
		return err
	case 0:
		r := newRequest(tb, "", pollPhones[rng.IntN(len(pollPhones))])
		r.ID = w.next("r")
		stored, _, err := w.db.CreateRequest(ctx, r)
		if err != nil {
			return err
		}
		w.mu.Lock()
		w.reqs = append(w.reqs, stored.ID)
		w.mu.Unlock()
	case 1:
		id := w.pick(rng, w.reqs)
		if id == "" {
			return nil
		}
		_, err := w.db.UpdateRequest(ctx, id, func(r *wijkhelpt.Request) error {
			for i := range r.Outbox {
				r.Outbox[i].Relayed = true
			}
			return nil
		})
		return err
	case 2:
		id := w.pick(rng, w.reqs)
		if id == "" {
			return nil
		}
		_, err := w.db.UpdateRequest(ctx, id, func(r *wijkhelpt.Request) error {
			r.Matches = append(r.Matches, wijkhelpt.Match{ID: fmt.Sprintf("%s-%d", r.ID, len(r.Matches)+1),
				OfferID: fmt.Sprintf("o%d", 1+rng.IntN(3)), Status: wijkhelpt.MatchProposed, ExpiresAt: at()})
			return nil
		})
		return err
	case 3:
		id := w.pick(rng, w.reqs)
		if id == "" {
			return nil
		}
		_, err := w.db.UpdateRequest(ctx, id, func(r *wijkhelpt.Request) error {
			for i := range r.Matches {
				r.Matches[i].Status = wijkhelpt.MatchDeclined
			}
			return nil
		})
		return err
	case 4:
		d := newDelivery(w.next("m"), at())
		if _, err := w.db.InsertMessage(ctx, d); err != nil {
			return err
		}
		w.mu.Lock()
		w.msgs = append(w.msgs, d.Key)
		w.mu.Unlock()
	case 5:
		var ds []*wijkhelpt.Delivery
		for range 1 + rng.IntN(4) {
			ds = append(ds, newDelivery(w.next("m"), at()))
		}
		if err := w.db.InsertMessages(ctx, ds); err != nil {
			return err
		}
		w.mu.Lock()
		for _, d := range ds {
			w.msgs = append(w.msgs, d.Key)
		}
		w.mu.Unlock()
	default:
		key := w.pick(rng, w.msgs)
		if key == "" {
			return nil
		}
		// Claim it as a worker at a random moment, then finish it, put it
		// back for later, or leave it claimed (a crash).
		d, _, err := w.db.ClaimMessage(ctx, key, 0, "worker", at(), at())
		if err != nil {
			return nil // not claimable then: nothing written that matters
		}
		if w.between != nil {
			w.between()
		}
		switch rng.IntN(3) {
		case 0:
			d.State = wijkhelpt.DeliverySent
		case 1:
			d.State, d.DueAt, d.LeaseUntil = wijkhelpt.DeliveryRetry, at(), time.Time{}
		default:
			return nil
		}
		if err := w.db.SaveMessage(ctx, d); err != nil && wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrConflict {
			return err
		}
	}
	return nil
}

var pollPhones = []string{"+31612345678", "+31687654321", "+31611112222"}

// polled are the three polls' answers as IDs, each checked to be in the
// poll's order.
func polled(tb testing.TB, db *store.DB, now time.Time) map[string][]string {
	tb.Helper()
	ctx := tb.Context()
	pending, err := db.RequestsWithPendingMessages(ctx, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	due, err := db.RequestsDue(ctx, now, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	msgs, err := db.DueMessages(ctx, now, 500)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string][]string{}
	for i, r := range pending {
		if i > 0 && r.Revision < pending[i-1].Revision {
			tb.Errorf("pending requests out of revision order")
		}
		out["pending"] = append(out["pending"], r.ID)
	}
	for i, r := range due {
		if i > 0 && r.ProposalDeadline.Before(*due[i-1].ProposalDeadline) {
			tb.Errorf("due requests out of deadline order")
		}
		out["deadline"] = append(out["deadline"], r.ID)
	}
	for i, d := range msgs {
		if i > 0 && d.DueAt.Before(msgs[i-1].DueAt) {
			tb.Errorf("due messages out of order")
		}
		out["messages"] = append(out["messages"], d.Key)
	}
	live := []wijkhelpt.RequestStatus{wijkhelpt.RequestOpen, wijkhelpt.RequestProposed, wijkhelpt.RequestMatched}
	for name, f := range map[string]wijkhelpt.RequestFilter{
		"queue":      {Statuses: live, Limit: 500},
		"open":       {Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestOpen}, Limit: 500},
		"duplicates": {Statuses: live, Phone: pollPhones[1], Limit: 10},
		"page":       {Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestMatched, wijkhelpt.RequestProposed}, After: "r50060", Limit: 5},
		"ended":      {Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestMatched, wijkhelpt.RequestDone}, Limit: 500},
		"offer":      {OfferID: "o2", Limit: 500},
		"offer page": {OfferID: "o1", After: "r50050", Limit: 3},
		"offer done": {OfferID: "o3", Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestDone, wijkhelpt.RequestCancelled}},
	} {
		rs, err := db.FindRequests(ctx, f)
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = []string{}
		for i, r := range rs {
			if i > 0 && r.ID <= rs[i-1].ID {
				tb.Errorf("%s: requests out of ID order", name)
			}
			out[name] = append(out[name], r.ID+":"+string(r.Status)+":"+fmt.Sprint(r.Revision))
		}
	}
	for k := range out {
		slices.Sort(out[k]) // ties may come in either order
	}
	return out
}

func samePolls(t *testing.T, step string, watched, queried *store.DB, now time.Time) {
	t.Helper()
	for _, at := range []time.Time{now, now.Add(30 * time.Minute), now.Add(2 * time.Hour)} {
		got, want := polled(t, watched, at), polled(t, queried, at)
		for _, k := range []string{"pending", "deadline", "messages", "queue", "open", "duplicates", "page", "ended", "offer", "offer page", "offer done"} {
			if !slices.Equal(got[k], want[k]) {
				t.Fatalf("%s, at now%+v: %s polls %v from the watch, %v from the query", step, at.Sub(now), k, got[k], want[k])
			}
		}
	}
}

// TestWatchedPollsMatchQueries makes random writes and checks after each
// that the watched polls answer what the queries answer, at moments before,
// at and after the writes' times; then it writes from three goroutines while
// polling, and checks again.
func TestWatchedPollsMatchQueries(t *testing.T) {
	_, watched, queried := feedPair(t)
	ctx := t.Context()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	now := time.Now().Truncate(time.Millisecond)

	// Written before the first poll, one part past the watches: the first
	// poll's scan must find it.
	before := &pollWriter{db: queried, now: now}
	rng := rand.New(rand.NewPCG(seed, 1))
	for range 40 {
		if err := before.write(t, ctx, rng); err != nil {
			t.Fatal(err)
		}
	}
	w := &pollWriter{db: watched, now: now, reqs: before.reqs, msgs: before.msgs, seq: 50000}
	samePolls(t, "after the first writes", watched, queried, now)
	// A poll while a message is claimed: the save that follows must still
	// be seen.
	w.between = func() { polled(t, watched, now.Add(-2*time.Hour)); polled(t, watched, now.Add(2*time.Hour)) }
	for i := range 100 {
		if err := w.write(t, ctx, rng); err != nil {
			t.Fatal(err)
		}
		samePolls(t, fmt.Sprintf("write %d", i), watched, queried, now)
	}

	w.between = nil
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	done := make(chan struct{})
	for g := range 3 {
		rng := rand.New(rand.NewPCG(seed, uint64(10+g)))
		wg.Go(func() {
			for range 40 {
				if err := w.write(t, ctx, rng); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var polling sync.WaitGroup
	polling.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := watched.DueMessages(ctx, now, 500); err != nil {
				errs <- err
				return
			}
			if _, err := watched.RequestsWithPendingMessages(ctx, 1000); err != nil {
				errs <- err
				return
			}
			if _, err := watched.RequestsDue(ctx, now, 1000); err != nil {
				errs <- err
				return
			}
			if _, err := watched.FindRequests(ctx, wijkhelpt.RequestFilter{Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestOpen}}); err != nil {
				errs <- err
				return
			}
			if _, err := watched.FindRequests(ctx, wijkhelpt.RequestFilter{OfferID: "o1"}); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(done)
	polling.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	samePolls(t, "after concurrent writes", watched, queried, now)
}
