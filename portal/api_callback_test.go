package portal_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"wijkhelpt"
)

// TestCallbacks: a resident without a mobile phone gets a call-back task
// instead of an SMS; phone staff see it with the number and mark it done.
func TestCallbacks(t *testing.T) {
	f := NewFixture(t)
	body := map[string]any{"text": "Hulp bij formulieren van de gemeente", "postcode": "3961 AB", "houseNumber": "30",
		"contact": map[string]any{"name": "Dirk Vast", "phone": "0343-123456"}, "consent": "web"}
	resp := f.Do(t, Caller{}, JSONRequest(t, http.MethodPost, "/api/v1/requests", body))
	if resp.Status != http.StatusCreated {
		t.Fatalf("create: %d\n%s", resp.Status, resp.Body)
	}
	var created struct{ ID, Ref string }
	resp.JSON(t, &created)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.Notifier.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("notifier run: %v", err)
		}
	})

	type list struct{ Callbacks []wijkhelpt.Callback }
	var got list
	// The notifier relays the outbox in the background; wait for the task.
	for deadline := time.Now().Add(20 * time.Second); ; {
		r := f.Do(t, f.Session["phone"], JSONRequest(t, http.MethodGet, "/api/v1/callbacks", nil))
		if r.Status != http.StatusOK {
			t.Fatalf("list: %d\n%s", r.Status, r.Body)
		}
		r.JSON(t, &got)
		if len(got.Callbacks) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no call-back task appeared")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cb := got.Callbacks[0]
	if cb.RequestID != created.ID || cb.Ref != created.Ref || cb.Phone != "+31343123456" || cb.Text == "" {
		t.Errorf("call-back %+v", cb)
	}
	actor := wijkhelpt.UserActor(wijkhelpt.RolePhone, f.Users[wijkhelpt.RolePhone].ID)
	if !f.Audited(t, actor, "view_callbacks", "") {
		t.Error("reading the call-back list was not audited")
	}
	if len(f.Twilio.To("+31343123456")) != 0 {
		t.Error("an SMS went to a landline")
	}

	path := "/api/v1/callbacks/" + cb.ID + "/done"
	if s := f.Do(t, f.Session["volunteer"], JSONRequest(t, http.MethodPost, path, nil)).Status; s != http.StatusForbidden {
		t.Errorf("volunteer marks done: %d, want 403", s)
	}
	if s := f.Do(t, f.Session["phone"], JSONRequest(t, http.MethodPost, path, nil)).Status; s != http.StatusNoContent {
		t.Fatalf("done: %d, want 204", s)
	}
	if s := f.Do(t, f.Session["phone"], JSONRequest(t, http.MethodPost, path, nil)).Status; s != http.StatusConflict {
		t.Errorf("done twice: %d, want 409", s)
	}
	r := f.Do(t, f.Session["mediator"], JSONRequest(t, http.MethodGet, "/api/v1/callbacks", nil))
	r.JSON(t, &got)
	for _, c := range got.Callbacks {
		if c.ID == cb.ID {
			t.Error("a done task is still listed")
		}
	}
}
