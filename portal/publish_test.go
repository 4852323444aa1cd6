package portal_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/store"
)

// TestPauseThenConfirmAtOnce is a volunteer who pauses and resumes, and a
// mediator who confirms them right after, with the engine kept up to date
// as the service keeps it: the store's publication of its own commits,
// and a follower whose interval is far longer than the test (so only the
// publication can bring the changes in time). Each step must see the one
// before it: confirming right after resuming answered 409 when the engine
// only polled.
func TestPauseThenConfirmAtOnce(t *testing.T) {
	f := NewFixture(t)
	fl := wijkhelpt.NewFollower(f.DB, wijkhelpt.FollowerOptions{Every: time.Hour, InOrder: true}, f.Engine)
	cancel := f.DB.Subscribe(func(c store.Change) {
		_ = f.Engine.TakeFeed(context.Background(), wijkhelpt.FeedPage{Offers: c.Offers, Requests: c.Requests})
		fl.Wake()
	})
	t.Cleanup(cancel)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fl.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })

	eligible := func() error {
		r, err := f.DB.FindRequest(t.Context(), f.Open.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Engine.Eligible(r, f.OfferB.ID, r.CreatedAt.In(wijkhelpt.Amsterdam()).Format(wijkhelpt.DateLayout))
		return err
	}
	if err := eligible(); err != nil {
		t.Fatalf("before the pause, Karin is not eligible: %v", err)
	}
	resp := f.DoPage(t, "volunteer2", FormRequest("/vrijwilliger/pauze", url.Values{"active": {"0"}}))
	if resp.Status != http.StatusSeeOther {
		t.Fatalf("pause: status %d\n%.1000s", resp.Status, resp.Body)
	}
	if err := eligible(); err == nil {
		t.Fatal("right after the pause the engine still offers Karin: it did not get the store's commit")
	}
	resp = f.DoPage(t, "volunteer2", FormRequest("/vrijwilliger/pauze", url.Values{"active": {"1"}}))
	if resp.Status != http.StatusSeeOther {
		t.Fatalf("resume: status %d\n%.1000s", resp.Status, resp.Body)
	}
	resp = f.DoPage(t, "mediator", FormRequest("/bemiddeling/"+f.Open.ID+"/bevestigen", url.Values{"offer": {f.OfferB.ID}}))
	if resp.Status != http.StatusSeeOther {
		t.Fatalf("confirm right after the volunteer resumed: status %d, want 303\n%.2000s", resp.Status, resp.Body)
	}
	r, err := f.DB.FindRequest(t.Context(), f.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != wijkhelpt.RequestProposed {
		t.Errorf("after the confirmation the request is %s, want proposed", r.Status)
	}
}
