package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"wijkhelpt"
)

var messageScenarios = []scenario{
	{"message/insert once per key", testInsertMessageOnce},
	{"message/insert many skips stored keys", testInsertMessagesSkips},
	{"message/find with filters", testFindMessages},
	{"message/due: open, due and free", testDueMessages},
	{"message/due limits", testDueMessagesLimits},
	{"message/claim: one of many wins", testClaimOneWins},
	{"message/claim after the lease ran out", testClaimAfterLease},
	{"message/claim with a stale epoch after the lease ran out", testClaimStaleEpoch},
	{"message/claim of a finished message is a conflict", testClaimFinished},
	{"message/save and find", testSaveMessage},
	{"message/a SID belongs to one message", testSIDBelongsToOne},
	{"message/status once per SID and status", testMessageStatus},
	{"message/call-back done once", testMarkCallbackDone},
	{"inbound/claim and finish", testClaimInbound},
}

func testInsertMessageOnce(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	d := newDelivery("r1-1:proposal", t0)
	insertMessages(t, s, d)
	again := newDelivery("r1-1:proposal", t0.Add(time.Hour))
	again.Body = "another text"
	ok, err := s.InsertMessage(ctx, again)
	if err != nil || ok {
		t.Fatalf("second InsertMessage = %v, %v; want false, nil", ok, err)
	}
	got, err := s.FindMessage(ctx, d.Key)
	if err != nil {
		t.Fatal(err)
	}
	want := *d
	want.SchemaVersion = wijkhelpt.SchemaVersion
	if diff := storedDiff(&want, got); diff != "" {
		t.Errorf("stored message (-want +got):\n%s", diff)
	}
	if got, err := s.FindMessage(ctx, "nope"); codeOf(err) != wijkhelpt.ErrNotFound || got != nil {
		t.Errorf("FindMessage(nope) = %v, %v; want nil, not found", got, err)
	}
}

func testInsertMessagesSkips(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	first := newDelivery("a", t0)
	insertMessages(t, s, first)
	again := newDelivery("a", t0.Add(time.Hour))
	again.Body = "another text"
	if err := s.InsertMessages(ctx, []*wijkhelpt.Delivery{newDelivery("b", t0), again, newDelivery("c", t0)}); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindMessages(ctx, wijkhelpt.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sorted(messageKeys(got)...), []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("stored messages: %q; want %q", got, want)
	}
	if a, err := s.FindMessage(ctx, "a"); err != nil || a.Body != first.Body || !a.DueAt.Equal(first.DueAt) {
		t.Errorf("message a after a second insert: %+v, %v; want the first one", a, err)
	}
	if err := s.InsertMessages(ctx, nil); err != nil {
		t.Errorf("InsertMessages(nil) = %v; want nil", err)
	}
	// The same batch again, and one with a key twice in it.
	dup := newDelivery("d", t0)
	if err := s.InsertMessages(ctx, []*wijkhelpt.Delivery{newDelivery("b", t0), dup, newDelivery("d", t0.Add(time.Hour))}); err != nil {
		t.Fatal(err)
	}
	all, err := s.FindMessages(ctx, wijkhelpt.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sorted(messageKeys(all)...), []string{"a", "b", "c", "d"}; !slices.Equal(got, want) {
		t.Errorf("stored messages: %q; want %q", got, want)
	}
}

func testFindMessages(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	mk := func(key string, due time.Duration, edit func(d *wijkhelpt.Delivery)) *wijkhelpt.Delivery {
		d := newDelivery(key, t0.Add(due))
		if edit != nil {
			edit(d)
		}
		return d
	}
	insertMessages(t, s,
		mk("m3", 3*time.Minute, nil),
		mk("m1", time.Minute, func(d *wijkhelpt.Delivery) { d.RequestID = "r2" }),
		mk("m2", 2*time.Minute, func(d *wijkhelpt.Delivery) { d.State = wijkhelpt.DeliverySent }),
		mk("m5", 5*time.Minute, func(d *wijkhelpt.Delivery) {
			d.Channel, d.State, d.To = wijkhelpt.ChannelCallback, wijkhelpt.DeliveryCallback, "+31301234567"
		}),
		mk("m4", 4*time.Minute, func(d *wijkhelpt.Delivery) { d.Template = wijkhelpt.TmplResidentMatched }),
	)
	tests := []struct {
		name   string
		filter wijkhelpt.DeliveryFilter
		want   []string
	}{
		{"all, earliest due first", wijkhelpt.DeliveryFilter{}, []string{"m1", "m2", "m3", "m4", "m5"}},
		{"limit", wijkhelpt.DeliveryFilter{Limit: 2}, []string{"m1", "m2"}},
		{"states", wijkhelpt.DeliveryFilter{States: []wijkhelpt.DeliveryState{wijkhelpt.DeliverySent, wijkhelpt.DeliveryCallback}}, []string{"m2", "m5"}},
		{"channel", wijkhelpt.DeliveryFilter{Channel: wijkhelpt.ChannelCallback}, []string{"m5"}},
		{"request", wijkhelpt.DeliveryFilter{RequestID: "r2"}, []string{"m1"}},
		{"to", wijkhelpt.DeliveryFilter{To: "+31301234567"}, []string{"m5"}},
		{"template", wijkhelpt.DeliveryFilter{Template: wijkhelpt.TmplResidentMatched}, []string{"m4"}},
		{"request and state", wijkhelpt.DeliveryFilter{RequestID: "r1", States: []wijkhelpt.DeliveryState{wijkhelpt.DeliveryPending}}, []string{"m3", "m4"}},
		{"nothing", wijkhelpt.DeliveryFilter{RequestID: "r9"}, []string{}},
	}
	for _, tt := range tests {
		ds, err := s.FindMessages(ctx, tt.filter)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := messageKeys(ds); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q; want %q", tt.name, got, tt.want)
		}
	}
}

func testDueMessages(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	now := t0.Add(time.Hour)
	mk := func(key string, due time.Time, state wijkhelpt.DeliveryState, lease time.Time) *wijkhelpt.Delivery {
		d := newDelivery(key, due)
		d.State, d.LeaseUntil = state, lease
		if !lease.IsZero() {
			d.LeaseOwner, d.Epoch = "w", 1
		}
		return d
	}
	insertMessages(t, s,
		mk("due", t0.Add(2*time.Minute), wijkhelpt.DeliveryPending, time.Time{}),
		mk("due-now", now, wijkhelpt.DeliveryPending, time.Time{}),
		mk("later", now.Add(time.Minute), wijkhelpt.DeliveryPending, time.Time{}),
		mk("sent", t0, wijkhelpt.DeliverySent, time.Time{}),
		mk("failed", t0, wijkhelpt.DeliveryFailed, time.Time{}),
		mk("skipped", t0, wijkhelpt.DeliverySkipped, time.Time{}),
		mk("callback", t0, wijkhelpt.DeliveryCallback, time.Time{}),
		mk("leased", t0, wijkhelpt.DeliverySending, now.Add(time.Second)),
		mk("lease-ran-out", t0.Add(time.Minute), wijkhelpt.DeliverySending, now.Add(-time.Second)),
		mk("retry", t0.Add(3*time.Minute), wijkhelpt.DeliveryRetry, time.Time{}),
		mk("retry-later", now.Add(time.Hour), wijkhelpt.DeliveryRetry, time.Time{}),
		mk("unsure", t0.Add(4*time.Minute), wijkhelpt.DeliveryUnsure, now.Add(-time.Minute)),
	)
	got, err := s.DueMessages(ctx, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"lease-ran-out", "due", "retry", "unsure", "due-now"}
	if keys := messageKeys(got); !slices.Equal(keys, want) {
		t.Errorf("due messages: %q; want %q, earliest due first", keys, want)
	}
	got, err = s.DueMessages(ctx, now, 2)
	if keys := messageKeys(got); err != nil || !slices.Equal(keys, want[:2]) {
		t.Errorf("due messages, limit 2: %q, %v; want %q", keys, err, want[:2])
	}
	got, err = s.DueMessages(ctx, t0.Add(-time.Hour), 0)
	if err != nil || len(got) != 0 {
		t.Errorf("due messages an hour before the first: %q, %v; want none", messageKeys(got), err)
	}
}

func testDueMessagesLimits(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	var ds []*wijkhelpt.Delivery
	for i := range 25 {
		ds = append(ds, newDelivery(fmt.Sprintf("m%02d", 24-i), t0.Add(time.Duration(24-i)*time.Second)))
	}
	if err := s.InsertMessages(ctx, ds); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ limit, want int }{{0, 20}, {3, 3}, {500, 25}} {
		got, err := s.DueMessages(ctx, t0.Add(time.Hour), tt.limit)
		if err != nil || len(got) != tt.want {
			t.Errorf("DueMessages limit %d: %d messages, %v; want %d", tt.limit, len(got), err, tt.want)
			continue
		}
		for i, d := range got {
			if want := fmt.Sprintf("m%02d", i); d.Key != want {
				t.Errorf("DueMessages limit %d: message %d is %s; want %s (earliest due first)", tt.limit, i, d.Key, want)
				break
			}
		}
	}
}

func testMessageStatus(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	d := newDelivery("m", t0)
	d.SID, d.State = "SMabc", wijkhelpt.DeliverySent
	other := newDelivery("other", t0.Add(time.Minute))
	other.SID, other.State = "SMdef", wijkhelpt.DeliverySent
	insertMessages(t, s, d, other)
	steps := []struct {
		status string
		first  bool
		want   string
	}{
		{"queued", true, "queued"},
		{"sent", true, "sent"},
		{"delivered", true, "delivered"},
		{"sent", false, "delivered"},   // a repeated callback
		{"sending", true, "delivered"}, // a late one
		{"delivered", false, "delivered"},
		{"read", true, "read"},
	}
	for _, st := range steps {
		first, err := s.RecordMessageStatus(ctx, "SMabc", st.status, 0, t0)
		if err != nil || first != st.first {
			t.Fatalf("RecordMessageStatus(%s) = %v, %v; want %v", st.status, first, err, st.first)
		}
		got, err := s.FindMessage(ctx, "m")
		if err != nil {
			t.Fatal(err)
		}
		if got.TwilioStatus != st.want {
			t.Errorf("after %s: FindMessage status %q; want %q", st.status, got.TwilioStatus, st.want)
		}
	}
	if first, err := s.RecordMessageStatus(ctx, "SMdef", "undelivered", 30003, t0); err != nil || !first {
		t.Fatalf("RecordMessageStatus(SMdef, undelivered) = %v, %v; want true", first, err)
	}
	all, err := s.FindMessages(ctx, wijkhelpt.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range all {
		got[d.Key] = d.TwilioStatus
	}
	if want := map[string]string{"m": "read", "other": "undelivered"}; storedDiff(want, got) != "" {
		t.Errorf("FindMessages statuses %v; want %v", got, want)
	}
	if bySID, err := s.FindMessageBySID(ctx, "SMdef"); err != nil || bySID.TwilioStatus != "undelivered" {
		t.Errorf("FindMessageBySID(SMdef) = %+v, %v; want status undelivered", bySID, err)
	}
}

func testMarkCallbackDone(t *testing.T, open opener) {
	s := open(t)
	ctx := t.Context()
	cb := newDelivery("cb", t0)
	cb.Channel, cb.State = wijkhelpt.ChannelCallback, wijkhelpt.DeliveryCallback
	waiting := newDelivery("waiting", t0)
	waiting.Channel = wijkhelpt.ChannelCallback
	insertMessages(t, s, cb, waiting, newDelivery("sms", t0))
	by := wijkhelpt.Actor("phone:u7")
	at := t0.Add(time.Hour)
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
		if got := codeOf(s.MarkCallbackDone(ctx, tt.key, by, at)); got != tt.want {
			t.Errorf("MarkCallbackDone(%s) = %q; want %q", tt.key, got, tt.want)
		}
	}
	got, err := s.FindMessage(ctx, "cb")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != wijkhelpt.DeliveryCalled || got.DoneBy != by || got.DoneAt == nil || !got.DoneAt.Equal(at) {
		t.Errorf("done task: state %s by %s at %v; want called by %s at %v", got.State, got.DoneBy, got.DoneAt, by, at)
	}
	open2, err := s.FindMessages(ctx, wijkhelpt.DeliveryFilter{States: []wijkhelpt.DeliveryState{wijkhelpt.DeliveryCallback}})
	if err != nil || len(open2) != 0 {
		t.Errorf("open call-backs = %q, %v; want none", messageKeys(open2), err)
	}
	if got, err := s.FindMessage(ctx, "waiting"); err != nil || got.State != wijkhelpt.DeliveryPending {
		t.Errorf("the waiting task after a refused mark: %+v, %v; want pending", got, err)
	}
}
