package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"wijkhelpt"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

func newDelivery(key string, due time.Time) *wijkhelpt.Delivery {
	return &wijkhelpt.Delivery{
		Key: key, RequestID: "r1", Channel: wijkhelpt.ChannelSMS, To: "+31612345678",
		Template: wijkhelpt.TmplVolunteerProposal, Lang: "nl", Body: "Kun jij helpen?",
		Params: map[string]string{"name": "Piet"}, DueAt: due, State: wijkhelpt.DeliveryPending,
		CreatedAt: t0, UpdatedAt: t0,
	}
}

func insert(tb testing.TB, db *store.DB, ds ...*wijkhelpt.Delivery) {
	tb.Helper()
	for _, d := range ds {
		if ok, err := db.InsertMessage(tb.Context(), d); err != nil || !ok {
			tb.Fatalf("InsertMessage(%s) = %v, %v; want true, nil", d.Key, ok, err)
		}
	}
}

func keys(ds []*wijkhelpt.Delivery) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.Key)
	}
	return out
}

func TestInsertMessageOncePerKey(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	d := newDelivery("r1-1:proposal", t0)
	insert(t, db, d)
	again := newDelivery("r1-1:proposal", t0.Add(time.Hour))
	again.Body = "another text"
	ok, err := db.InsertMessage(ctx, again)
	if err != nil || ok {
		t.Fatalf("second InsertMessage = %v, %v; want false, nil", ok, err)
	}
	got, err := db.FindMessage(ctx, d.Key)
	if err != nil {
		t.Fatal(err)
	}
	d.SchemaVersion = wijkhelpt.SchemaVersion
	if diff := cmp.Diff(d, got, cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
		t.Errorf("stored message (-want +got):\n%s", diff)
	}
}

func TestDueMessages(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	now := t0.Add(time.Hour)
	sent := newDelivery("sent", t0)
	sent.State = wijkhelpt.DeliverySent
	leased := newDelivery("leased", t0)
	leased.State, leased.LeaseUntil = wijkhelpt.DeliverySending, now.Add(time.Second)
	expired := newDelivery("expired", t0.Add(time.Minute))
	expired.State, expired.LeaseUntil = wijkhelpt.DeliverySending, now.Add(-time.Second)
	insert(t, db, newDelivery("due", t0), newDelivery("later", now.Add(time.Minute)), sent, leased, expired)
	got, err := db.DueMessages(ctx, now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"due", "expired"}, keys(got)); diff != "" {
		t.Errorf("due messages (-want +got):\n%s", diff)
	}
}

func TestClaimMessageOnlyOneWins(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	insert(t, db, newDelivery("m", t0))
	now := t0.Add(time.Minute)
	var wg sync.WaitGroup
	wins := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("w%d", i)
			d, prev, err := db.ClaimMessage(ctx, "m", 0, owner, now, now.Add(30*time.Second))
			switch {
			case err == nil:
				if prev != wijkhelpt.DeliveryPending || d.State != wijkhelpt.DeliverySending || d.LeaseOwner != owner {
					t.Errorf("claim: prev %s, state %s, owner %s", prev, d.State, d.LeaseOwner)
				}
				wins <- owner
			case wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrConflict:
				t.Errorf("claim: %v", err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Fatalf("%d claims won; want 1", n)
	}
	due, err := db.DueMessages(ctx, now, 10)
	if err != nil || len(due) != 0 {
		t.Fatalf("DueMessages while leased = %v, %v; want none", keys(due), err)
	}
}

func TestClaimAfterLeaseRunsOut(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	insert(t, db, newDelivery("m", t0))
	now := t0.Add(time.Minute)
	first, _, err := db.ClaimMessage(ctx, "m", 0, "a", now, now.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// "a" crashes. Before its lease runs out nobody may take over.
	if _, _, err := db.ClaimMessage(ctx, "m", first.Epoch, "b", now.Add(10*time.Second), now.Add(40*time.Second)); wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrConflict {
		t.Fatalf("claim during lease: %v; want conflict", err)
	}
	later := now.Add(31 * time.Second)
	due, err := db.DueMessages(ctx, later, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("DueMessages after lease = %v, %v; want m", keys(due), err)
	}
	second, prev, err := db.ClaimMessage(ctx, "m", due[0].Epoch, "b", later, later.Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if prev != wijkhelpt.DeliverySending {
		t.Errorf("previous state %s; want sending, so that b looks at Twilio first", prev)
	}
	// "a" wakes up and tries to record its result: b owns the message now.
	first.State = wijkhelpt.DeliverySent
	if err := db.SaveMessage(ctx, first); wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrConflict {
		t.Fatalf("SaveMessage by a superseded owner: %v; want conflict", err)
	}
	second.State, second.SID, second.LeaseUntil = wijkhelpt.DeliverySent, "SM1", time.Time{}
	if err := db.SaveMessage(ctx, second); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindMessageBySID(ctx, "SM1")
	if err != nil || got.Key != "m" || got.State != wijkhelpt.DeliverySent {
		t.Fatalf("FindMessageBySID = %+v, %v", got, err)
	}
}

func TestClaimSkipsCrashedClaim(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	insert(t, db, newDelivery("m", t0))
	now := t0.Add(time.Minute)
	if _, _, err := db.ClaimMessage(ctx, "m", 0, "a", now, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// A claimer that read the message before a's claim (epoch 0) finds a's
	// lease run out and takes the next epoch.
	later := now.Add(2 * time.Second)
	d, _, err := db.ClaimMessage(ctx, "m", 0, "b", later, later.Add(time.Second))
	if err != nil {
		t.Fatalf("claim with a stale epoch after the lease ran out: %v", err)
	}
	if d.Epoch != 2 || d.LeaseOwner != "b" {
		t.Errorf("epoch %d owner %s; want 2, b", d.Epoch, d.LeaseOwner)
	}
}

func TestClaimFinishedMessageIsConflict(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	insert(t, db, newDelivery("m", t0))
	now := t0.Add(time.Minute)
	d, _, err := db.ClaimMessage(ctx, "m", 0, "a", now, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	d.State, d.DueAt, d.LeaseUntil = wijkhelpt.DeliveryRetry, now.Add(time.Hour), time.Time{}
	if err := db.SaveMessage(ctx, d); err != nil {
		t.Fatal(err)
	}
	// b read the message before a took it and claims it now: not due any more.
	if _, _, err := db.ClaimMessage(ctx, "m", 0, "b", now.Add(2*time.Second), now.Add(time.Minute)); wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrConflict {
		t.Fatalf("claim of a message that is not due: %v; want conflict", err)
	}
	// When it is due again, it can be claimed: b's wasted lease did not
	// block it for ever.
	at := now.Add(2 * time.Hour)
	due, err := db.DueMessages(ctx, at, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("DueMessages = %v, %v", keys(due), err)
	}
	if _, prev, err := db.ClaimMessage(ctx, "m", due[0].Epoch, "c", at, at.Add(time.Minute)); err != nil || prev != wijkhelpt.DeliveryRetry {
		t.Fatalf("claim when due again: prev %s, %v", prev, err)
	}
}

func TestMarkCallbackDone(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	cb := newDelivery("cb", t0)
	cb.Channel, cb.State = wijkhelpt.ChannelCallback, wijkhelpt.DeliveryCallback
	waiting := newDelivery("waiting", t0)
	waiting.Channel = wijkhelpt.ChannelCallback
	insert(t, db, cb, waiting, newDelivery("sms", t0))
	by := wijkhelpt.Actor("phone:u7")
	tests := []struct {
		key  string
		want wijkhelpt.ErrorCode
	}{
		{"cb", ""},
		{"cb", wijkhelpt.ErrConflict},
		{"waiting", wijkhelpt.ErrConflict},
		{"sms", wijkhelpt.ErrNotFound},
		{"nope", wijkhelpt.ErrNotFound},
	}
	for _, tt := range tests {
		if got := wijkhelpt.ErrorCodeOf(db.MarkCallbackDone(ctx, tt.key, by, t0.Add(time.Hour))); got != tt.want {
			t.Errorf("MarkCallbackDone(%s) = %q; want %q", tt.key, got, tt.want)
		}
	}
	got, err := db.FindMessage(ctx, "cb")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != wijkhelpt.DeliveryCalled || got.DoneBy != by || got.DoneAt == nil {
		t.Errorf("done task: state %s by %s at %v", got.State, got.DoneBy, got.DoneAt)
	}
	open, err := db.FindMessages(ctx, wijkhelpt.DeliveryFilter{States: []wijkhelpt.DeliveryState{wijkhelpt.DeliveryCallback}})
	if err != nil || len(open) != 0 {
		t.Errorf("open call-backs = %v, %v; want none", keys(open), err)
	}
}

func TestMessageStatus(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	d := newDelivery("m", t0)
	d.SID, d.State = "SMabc", wijkhelpt.DeliverySent
	insert(t, db, d)
	steps := []struct {
		status string
		first  bool
		want   string
	}{
		{"sent", true, "sent"},
		{"delivered", true, "delivered"},
		{"sent", false, "delivered"}, // a late or repeated callback
		{"delivered", false, "delivered"},
	}
	for _, s := range steps {
		first, err := db.RecordMessageStatus(ctx, "SMabc", s.status, 0, t0)
		if err != nil || first != s.first {
			t.Fatalf("RecordMessageStatus(%s) = %v, %v; want %v", s.status, first, err, s.first)
		}
		got, err := db.FindMessage(ctx, "m")
		if err != nil {
			t.Fatal(err)
		}
		if got.TwilioStatus != s.want {
			t.Errorf("after %s: status %q; want %q", s.status, got.TwilioStatus, s.want)
		}
	}
}

func TestOptOut(t *testing.T) {
	db := storetest.Open(t)
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
	}
	for i, s := range steps {
		if s.set != nil {
			if err := db.SetOptOut(ctx, phone, *s.set, t0); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.OptedOut(ctx, phone)
		if err != nil || got != s.want {
			t.Errorf("step %d: OptedOut = %v, %v; want %v", i, got, err, s.want)
		}
	}
	if got, err := db.OptedOut(ctx, "+31600000000"); err != nil || got {
		t.Errorf("another number: OptedOut = %v, %v", got, err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestClaimInbound(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	now := t0
	claimed, err := db.ClaimInbound(ctx, "SM1", "a", now, now.Add(30*time.Second))
	if err != nil || !claimed {
		t.Fatalf("first claim = %v, %v", claimed, err)
	}
	// The same webhook again while a still works on it: try again later.
	if _, err := db.ClaimInbound(ctx, "SM1", "b", now.Add(time.Second), now.Add(time.Minute)); wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrUnavailable {
		t.Fatalf("claim while busy: %v; want unavailable", err)
	}
	// a crashed: after its lease, the retry takes over.
	claimed, err = db.ClaimInbound(ctx, "SM1", "b", now.Add(time.Minute), now.Add(2*time.Minute))
	if err != nil || !claimed {
		t.Fatalf("claim after the lease = %v, %v", claimed, err)
	}
	if err := db.FinishInbound(ctx, "SM1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	claimed, err = db.ClaimInbound(ctx, "SM1", "c", now.Add(time.Hour), now.Add(2*time.Hour))
	if err != nil || claimed {
		t.Fatalf("claim when done = %v, %v; want false, nil", claimed, err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := db.ClaimInbound(ctx, "SM2", "x", now, now.Add(time.Minute))
			if err != nil && wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrUnavailable {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent claims of one webhook won; want 1", wins)
	}
}

// TestSIDBelongsToOneMessage: two messages with the same text to the same
// number, and a look-up at Twilio that finds one sent message for each of
// them: only the first to save it may claim that SID.
func TestSIDBelongsToOneMessage(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	insert(t, db, newDelivery("a", t0), newDelivery("b", t0))
	now := t0.Add(time.Minute)
	save := func(key string) error {
		d, _, err := db.ClaimMessage(ctx, key, 0, "w", now, now.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		d.State, d.SID, d.LeaseUntil = wijkhelpt.DeliverySent, "SMsame", time.Time{}
		return db.SaveMessage(ctx, d)
	}
	if err := save("a"); err != nil {
		t.Fatal(err)
	}
	if err := save("b"); wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrConflict {
		t.Fatalf("saving a second message with a taken SID: %v; want conflict", err)
	}
	if got, err := db.FindMessageBySID(ctx, "SMsame"); err != nil || got.Key != "a" {
		t.Errorf("FindMessageBySID = %v, %v; want a", got, err)
	}
	if b, err := db.FindMessage(ctx, "b"); err != nil || b.State != wijkhelpt.DeliverySending || b.SID != "" {
		t.Errorf("b after the refused save: %+v, %v; want still sending, no SID", b, err)
	}
	if _, err := db.FindMessageBySID(ctx, "SMother"); wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound {
		t.Errorf("FindMessageBySID of an unknown SID: %v; want not found", err)
	}
}

func TestInsertMessagesSkipsStoredKeys(t *testing.T) {
	db := storetest.Open(t)
	ctx := t.Context()
	first := newDelivery("a", t0)
	insert(t, db, first)
	again := newDelivery("a", t0.Add(time.Hour))
	again.Body = "another text"
	if err := db.InsertMessages(ctx, []*wijkhelpt.Delivery{newDelivery("b", t0), again, newDelivery("c", t0)}); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindMessages(ctx, wijkhelpt.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, keys(got)); diff != "" {
		t.Errorf("stored messages (-want +got):\n%s", diff)
	}
	if a, err := db.FindMessage(ctx, "a"); err != nil || a.Body != first.Body {
		t.Errorf("message a after a second insert: %v, %v; want the first text", a, err)
	}
	if err := db.InsertMessages(ctx, nil); err != nil {
		t.Errorf("InsertMessages(nil) = %v", err)
	}
}
