package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
)

func testClaimOneWins(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	insertMessages(t, s, newDelivery("m", t0))
	now := t0.Add(time.Minute)
	until := now.Add(30 * time.Second)
	const n = 10
	claimed := make([]*wijkhelpt.Delivery, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			owner := fmt.Sprintf("w%d", i)
			d, prev, err := s.ClaimMessage(ctx, "m", 0, owner, now, until)
			if err == nil && (prev != wijkhelpt.DeliveryPending || d.State != wijkhelpt.DeliverySending ||
				d.LeaseOwner != owner || !d.LeaseUntil.Equal(until) || d.Epoch <= 0) {
				t.Errorf("claim by %s: prev %s, state %s, owner %s, until %v, epoch %d; want pending, sending, %s, %v, a new epoch",
					owner, prev, d.State, d.LeaseOwner, d.LeaseUntil, d.Epoch, owner, until)
			}
			claimed[i], errs[i] = d, err
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("claims by w%d and w%d both won", winner, i)
		case err == nil:
			winner = i
		case codeOf(err) != wijkhelpt.ErrConflict:
			t.Errorf("claim by w%d: %v; want a conflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("no claim won; errors %v", errs)
	}
	stored, err := s.FindMessage(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	if diff := storedDiff(claimed[winner], stored); diff != "" {
		t.Errorf("stored message differs from the winning claim (-claimed +stored):\n%s", diff)
	}
	if due, err := s.DueMessages(ctx, now, 10); err != nil || len(due) != 0 {
		t.Errorf("DueMessages while leased = %q, %v; want none", messageKeys(due), err)
	}
	if _, _, err := s.ClaimMessage(ctx, "nope", 0, "w", now, until); codeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("ClaimMessage(nope): %v; want not found", err)
	}
}

func testClaimAfterLease(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	insertMessages(t, s, newDelivery("m", t0))
	now := t0.Add(time.Minute)
	first, _, err := s.ClaimMessage(ctx, "m", 0, "a", now, now.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// "a" crashes. Before its lease runs out nobody may take over.
	if _, _, err := s.ClaimMessage(ctx, "m", first.Epoch, "b", now.Add(10*time.Second), now.Add(40*time.Second)); codeOf(err) != wijkhelpt.ErrConflict {
		t.Fatalf("claim during the lease: %v; want a conflict", err)
	}
	later := now.Add(31 * time.Second)
	due, err := s.DueMessages(ctx, later, 10)
	if err != nil || !slices.Equal(messageKeys(due), []string{"m"}) {
		t.Fatalf("DueMessages after the lease = %q, %v; want m", messageKeys(due), err)
	}
	second, prev, err := s.ClaimMessage(ctx, "m", due[0].Epoch, "b", later, later.Add(30*time.Second))
	if err != nil {
		t.Fatalf("claim after the lease ran out: %v", err)
	}
	if prev != wijkhelpt.DeliverySending {
		t.Errorf("previous state %s; want sending, so that b looks at Twilio first", prev)
	}
	if second.Epoch <= first.Epoch || second.LeaseOwner != "b" {
		t.Errorf("takeover: epoch %d, owner %s; want above %d, b", second.Epoch, second.LeaseOwner, first.Epoch)
	}
	// "a" wakes up and tries to record its result: b owns the message now.
	first.State, first.SID, first.LeaseUntil = wijkhelpt.DeliverySent, "SMa", time.Time{}
	if err := s.SaveMessage(ctx, first); codeOf(err) != wijkhelpt.ErrConflict {
		t.Fatalf("SaveMessage by a superseded owner: %v; want a conflict", err)
	}
	if got, err := s.FindMessage(ctx, "m"); err != nil {
		t.Fatal(err)
	} else if diff := storedDiff(second, got); diff != "" {
		t.Errorf("the superseded save changed the message (-b's claim +stored):\n%s", diff)
	}
	if _, err := s.FindMessageBySID(ctx, "SMa"); codeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("FindMessageBySID of the superseded save's SID: %v; want not found", err)
	}
	second.State, second.SID, second.LeaseUntil = wijkhelpt.DeliverySent, "SM1", time.Time{}
	if err := s.SaveMessage(ctx, second); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindMessageBySID(ctx, "SM1")
	if err != nil || got.Key != "m" || got.State != wijkhelpt.DeliverySent {
		t.Fatalf("FindMessageBySID(SM1) = %+v, %v; want m, sent", got, err)
	}
	if err := s.SaveMessage(ctx, first); codeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("SaveMessage by a superseded owner after the new owner's: %v; want a conflict", err)
	}
}

func testClaimStaleEpoch(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	insertMessages(t, s, newDelivery("m", t0))
	now := t0.Add(time.Minute)
	first, _, err := s.ClaimMessage(ctx, "m", 0, "a", now, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// A claimer that read the message before a's claim (epoch 0) finds a's
	// lease run out and takes the next epoch.
	later := now.Add(2 * time.Second)
	d, _, err := s.ClaimMessage(ctx, "m", 0, "b", later, later.Add(time.Second))
	if err != nil {
		t.Fatalf("claim with a stale epoch after the lease ran out: %v", err)
	}
	if d.Epoch <= first.Epoch || d.LeaseOwner != "b" {
		t.Errorf("epoch %d, owner %s; want above %d, b", d.Epoch, d.LeaseOwner, first.Epoch)
	}
	first.State = wijkhelpt.DeliverySent
	if err := s.SaveMessage(ctx, first); codeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("SaveMessage by a superseded owner: %v; want a conflict", err)
	}
}

func testClaimFinished(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	insertMessages(t, s, newDelivery("m", t0), newDelivery("done", t0))
	now := t0.Add(time.Minute)
	d, _, err := s.ClaimMessage(ctx, "m", 0, "a", now, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	d.State, d.DueAt, d.LeaseUntil = wijkhelpt.DeliveryRetry, now.Add(time.Hour), time.Time{}
	if err := s.SaveMessage(ctx, d); err != nil {
		t.Fatal(err)
	}
	// b read the message before a took it and claims it now: not due any more.
	if _, _, err := s.ClaimMessage(ctx, "m", 0, "b", now.Add(2*time.Second), now.Add(time.Minute)); codeOf(err) != wijkhelpt.ErrConflict {
		t.Fatalf("claim of a message that is not due: %v; want a conflict", err)
	}
	// A sent message is finished: no claim takes it, whenever.
	at := now.Add(2 * time.Hour)
	sent, _, err := s.ClaimMessage(ctx, "done", 0, "a", now, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	sent.State, sent.SID, sent.LeaseUntil = wijkhelpt.DeliverySent, "SMdone", time.Time{}
	if err := s.SaveMessage(ctx, sent); err != nil {
		t.Fatal(err)
	}
	for _, seen := range []int64{0, sent.Epoch} {
		if _, _, err := s.ClaimMessage(ctx, "done", seen, "b", at, at.Add(time.Minute)); codeOf(err) != wijkhelpt.ErrConflict {
			t.Errorf("claim of a sent message (seen %d): %v; want a conflict", seen, err)
		}
	}
	if got, err := s.FindMessage(ctx, "done"); err != nil || got.State != wijkhelpt.DeliverySent || got.LeaseOwner != "a" {
		t.Errorf("sent message after refused claims: %+v, %v; want sent, as a left it", got, err)
	}
	// When it is due again, it can be claimed: b's wasted try did not
	// block it for ever.
	due, err := s.DueMessages(ctx, at, 10)
	if err != nil || !slices.Equal(messageKeys(due), []string{"m"}) {
		t.Fatalf("DueMessages = %q, %v; want m", messageKeys(due), err)
	}
	if _, prev, err := s.ClaimMessage(ctx, "m", due[0].Epoch, "c", at, at.Add(time.Minute)); err != nil || prev != wijkhelpt.DeliveryRetry {
		t.Fatalf("claim when due again: prev %s, %v; want retry, nil", prev, err)
	}
}

func testSaveMessage(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	insertMessages(t, s, newDelivery("m", t0))
	now := t0.Add(time.Minute)
	d, prev, err := s.ClaimMessage(ctx, "m", 0, "a", now, now.Add(time.Minute))
	if err != nil || prev != wijkhelpt.DeliveryPending {
		t.Fatalf("ClaimMessage: prev %s, %v; want pending", prev, err)
	}
	if got, err := s.FindMessage(ctx, "m"); err != nil {
		t.Fatal(err)
	} else if diff := storedDiff(d, got); diff != "" {
		t.Errorf("ClaimMessage returned another message than it stored (-returned +stored):\n%s", diff)
	}
	sentAt := now.Add(time.Second)
	d.State, d.SID, d.Attempts, d.FirstTryAt, d.SentAt = wijkhelpt.DeliverySent, "SMxyz", 1, &now, &sentAt
	d.Reason, d.ErrorCode, d.LeaseUntil, d.UpdatedAt = "", 0, time.Time{}, sentAt
	if err := s.SaveMessage(ctx, d); err != nil {
		t.Fatal(err)
	}
	want := *d
	want.SchemaVersion = wijkhelpt.SchemaVersion
	for _, find := range []struct {
		name string
		find func() (*wijkhelpt.Delivery, error)
	}{
		{"key", func() (*wijkhelpt.Delivery, error) { return s.FindMessage(ctx, "m") }},
		{"SID", func() (*wijkhelpt.Delivery, error) { return s.FindMessageBySID(ctx, "SMxyz") }},
	} {
		got, err := find.find()
		if err != nil {
			t.Errorf("find by %s: %v", find.name, err)
			continue
		}
		if diff := storedDiff(&want, got); diff != "" {
			t.Errorf("find by %s (-saved +found):\n%s", find.name, diff)
		}
	}
	// A failure with its reason, saved by the same owner again.
	d.State, d.Reason, d.ErrorCode = wijkhelpt.DeliveryFailed, "21211", 21211
	if err := s.SaveMessage(ctx, d); err != nil {
		t.Fatalf("second save by the owner: %v", err)
	}
	if got, err := s.FindMessage(ctx, "m"); err != nil || got.State != wijkhelpt.DeliveryFailed || got.Reason != "21211" || got.ErrorCode != 21211 {
		t.Errorf("after saving a failure: %+v, %v; want failed, 21211", got, err)
	}
}

// testSIDBelongsToOne: two messages with the same text to the same number,
// and a look-up at Twilio that finds one sent message for each of them:
// only the first to save it may have that SID.
func testSIDBelongsToOne(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	insertMessages(t, s, newDelivery("a", t0), newDelivery("b", t0))
	now := t0.Add(time.Minute)
	save := func(key string) error {
		t.Helper()
		d, _, err := s.ClaimMessage(ctx, key, 0, "w", now, now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		d.State, d.SID, d.LeaseUntil = wijkhelpt.DeliverySent, "SMsame", time.Time{}
		return s.SaveMessage(ctx, d)
	}
	if err := save("a"); err != nil {
		t.Fatal(err)
	}
	if err := save("b"); codeOf(err) != wijkhelpt.ErrConflict {
		t.Fatalf("saving a second message with a taken SID: %v; want a conflict", err)
	}
	if got, err := s.FindMessageBySID(ctx, "SMsame"); err != nil || got.Key != "a" {
		t.Errorf("FindMessageBySID(SMsame) = %+v, %v; want a", got, err)
	}
	if b, err := s.FindMessage(ctx, "b"); err != nil || b.State != wijkhelpt.DeliverySending || b.SID != "" {
		t.Errorf("b after the refused save: %+v, %v; want still sending, no SID", b, err)
	}
	if got, err := s.FindMessageBySID(ctx, "SMother"); codeOf(err) != wijkhelpt.ErrNotFound || got != nil {
		t.Errorf("FindMessageBySID of an unknown SID = %v, %v; want nil, not found", got, err)
	}
}

func testClaimInbound(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	now := t0
	claimed, err := s.ClaimInbound(ctx, "SM1", "a", now, now.Add(30*time.Second))
	if err != nil || !claimed {
		t.Fatalf("first claim = %v, %v; want true", claimed, err)
	}
	// The same webhook again while a still works on it: try again later.
	if ok, err := s.ClaimInbound(ctx, "SM1", "b", now.Add(time.Second), now.Add(time.Minute)); codeOf(err) != wijkhelpt.ErrUnavailable || ok {
		t.Fatalf("claim while busy = %v, %v; want false, unavailable", ok, err)
	}
	// a crashed: after its lease, the retry takes over.
	claimed, err = s.ClaimInbound(ctx, "SM1", "b", now.Add(time.Minute), now.Add(2*time.Minute))
	if err != nil || !claimed {
		t.Fatalf("claim after the lease ran out = %v, %v; want true", claimed, err)
	}
	if err := s.FinishInbound(ctx, "SM1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{now.Add(time.Minute), now.Add(time.Hour)} {
		claimed, err = s.ClaimInbound(ctx, "SM1", "c", at, at.Add(time.Minute))
		if err != nil || claimed {
			t.Errorf("claim at %v when handled = %v, %v; want false, nil", at, claimed, err)
		}
	}

	const n = 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			ok, err := s.ClaimInbound(ctx, "SM2", fmt.Sprintf("w%d", i), now, now.Add(time.Minute))
			if err != nil && codeOf(err) != wijkhelpt.ErrUnavailable {
				t.Errorf("concurrent ClaimInbound: %v; want nil or unavailable", err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent claims of one webhook won; want 1", wins)
	}
}
