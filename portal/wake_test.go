package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/notify"
	"wijkhelpt/notify/twiliotest"
	"wijkhelpt/portal"
	"wijkhelpt/store"
)

// idleNotifier wires a notifier that, once idle, looks for work only
// every ten minutes, as a notifier on a large store may: what it sends
// within a test's wait, it sends because the portal woke it.
func idleNotifier(tb testing.TB, tw *twiliotest.Server, out **notify.Notifier) func(*portal.Deps) {
	return func(d *portal.Deps) {
		tb.Helper()
		n, err := notify.New(notify.Config{
			AccountSID:   tw.AccountSID,
			AuthToken:    tw.AuthToken,
			From:         twiliotest.FromNumber,
			APIBaseURL:   tw.URL,
			PublicURL:    d.PublicURL,
			DeskPhone:    d.DeskPhone,
			PollInterval: 10 * time.Minute,
			TimeoutPoll:  10 * time.Minute,
		}, d.Store.(store.Store), nil)
		if err != nil {
			tb.Fatalf("notify.New: %v", err)
		}
		d.Notifier, *out = n, n
	}
}

// waitText waits (a guard against hanging, not a measurement) for an SMS
// to phone that contains want.
func waitText(t *testing.T, tw *twiliotest.Server, phone, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, m := range tw.To(phone) {
			if strings.Contains(m.Body, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no SMS to %s with %q; got %v", phone, want, tw.To(phone))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStateChangesWakeTheNotifier: a confirmation in the pages and an
// answer in the API reach the volunteer and the resident at once, not at
// the idle notifier's next look ten minutes on.
func TestStateChangesWakeTheNotifier(t *testing.T) {
	tw := twiliotest.New(t)
	var n *notify.Notifier
	f := NewFixture(t, idleNotifier(t, tw, &n))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("notifier run: %v", err)
		}
	})

	// Its first look sends what the fixture queued; then it goes idle.
	waitText(t, tw, "+31612345678", "hulpvraag ontvangen")
	waitText(t, tw, "+31618765432", "hulpvraag ontvangen")
	for deadline := time.Now().Add(15 * time.Second); ; {
		pending, err := f.DB.RequestsWithPendingMessages(t.Context(), 1)
		if err != nil {
			t.Fatal(err)
		}
		open, err := f.DB.FindMessages(t.Context(), wijkhelpt.DeliveryFilter{States: []wijkhelpt.DeliveryState{
			wijkhelpt.DeliveryPending, wijkhelpt.DeliverySending, wijkhelpt.DeliveryRetry, wijkhelpt.DeliveryUnsure}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		due := 0
		for _, d := range open {
			if !d.DueAt.After(time.Now()) {
				due++ // later ones (a reminder, a follow-up) wait anyway
			}
		}
		if len(pending) == 0 && due == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fixture's messages are not sent: %d requests to relay, %d messages open", len(pending), len(open))
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Let the loops settle into their idle wait.
	time.Sleep(300 * time.Millisecond)

	resp := f.DoPage(t, "mediator", FormRequest("/bemiddeling/"+f.Open.ID+"/bevestigen", url.Values{"offer": {f.OfferB.ID}}))
	if resp.Status != http.StatusSeeOther {
		t.Fatalf("confirm: status %d\n%.2000s", resp.Status, resp.Body)
	}
	waitText(t, tw, volunteer2Phone, "kun jij helpen?")

	r, err := f.DB.FindRequest(t.Context(), f.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	accept := f.Do(t, f.Session["volunteer2"], JSONRequest(t, http.MethodPost, "/api/v1/matches/"+r.Matches[0].ID+"/accept", nil))
	if accept.Status != http.StatusOK {
		t.Fatalf("accept: status %d\n%s", accept.Status, accept.Body)
	}
	waitText(t, tw, volunteer2Phone, "Adres:")
	waitText(t, tw, "+31612345678", "goed nieuws")
}
