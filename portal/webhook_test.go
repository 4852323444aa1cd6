package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"wijkhelpt"
	"wijkhelpt/notify/twiliotest"
)

// twilioPost builds a webhook call as Twilio sends it: a form, signed over
// the public URL (with its query) and the form.
func twilioPost(path string, form url.Values, signature string) *http.Request {
	req := FormRequest(path, form)
	req.Header.Set("X-Twilio-Signature", signature)
	return req
}

func TestWebhookSMS(t *testing.T) {
	f := NewFixture(t)
	resp := f.Do(t, f.Bearer["mediator"], JSONRequest(t, http.MethodPost, "/api/v1/matches",
		map[string]any{"requestId": f.Open.ID, "offerId": f.OfferB.ID}))
	if resp.Status != http.StatusCreated {
		t.Fatalf("propose: %d\n%s", resp.Status, resp.Body)
	}
	proposed, err := f.DB.FindRequest(t.Context(), f.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	code := proposed.Matches[0].Code
	const path = "/webhooks/twilio/sms?desk=wijk"

	// Refused first: signed for another URL, signed with another key, not
	// signed, or a form changed after signing. Nothing may change.
	form := f.Twilio.Inbound("+31622222222", "JA "+code)
	tampered := url.Values{}
	for k, v := range form {
		tampered[k] = v
	}
	tampered.Set("Body", "NEE "+code)
	refused := []struct {
		name string
		req  *http.Request
	}{
		{"other URL", twilioPost(path, form, twiliotest.Sign(f.Twilio.AuthToken, "https://evil.example"+path, form))},
		{"other key", twilioPost(path, form, twiliotest.Sign("ffffffffffffffffffffffffffffffff", TestPublicURL+path, form))},
		{"no signature", twilioPost(path, form, "")},
		{"tampered", twilioPost(path, tampered, twiliotest.Sign(f.Twilio.AuthToken, TestPublicURL+path, form))},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.Do(t, Caller{}, tt.req)
			if resp.Status != http.StatusForbidden {
				t.Errorf("status %d, want 403\n%s", resp.Status, resp.Body)
			}
			r, err := f.DB.FindRequest(t.Context(), f.Open.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Revision != proposed.Revision {
				t.Errorf("request changed by a refused webhook")
			}
		})
	}

	// Signed correctly, with no cookie and no CSRF token: Twilio has none.
	resp = f.Do(t, Caller{}, twilioPost(path, form, twiliotest.Sign(f.Twilio.AuthToken, TestPublicURL+path, form)))
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", resp.Status, resp.Body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("Content-Type %q, want text/xml", ct)
	}
	if !strings.Contains(string(resp.Body), "<Response") {
		t.Errorf("body is not TwiML: %s", resp.Body)
	}
	r, err := f.DB.FindRequest(t.Context(), f.Open.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != wijkhelpt.RequestMatched {
		t.Errorf("after JA the request is %s, want matched", r.Status)
	}
}

func TestWebhookStatus(t *testing.T) {
	f := NewFixture(t)
	const path = "/webhooks/twilio/status"
	form := f.Twilio.Status(twiliotest.NewSID("SM"), "delivered", 0)
	if got := f.Do(t, Caller{}, twilioPost(path, form, "bad")).Status; got != http.StatusForbidden {
		t.Errorf("bad signature: status %d, want 403", got)
	}
	if got := f.Do(t, Caller{}, twilioPost(path, form, twiliotest.Sign(f.Twilio.AuthToken, TestPublicURL+path, form))).Status; got != http.StatusNoContent {
		t.Errorf("signed: status %d, want 204", got)
	}
}
