package notify

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"

	"wijkhelpt"
	"wijkhelpt/notify/twiliotest"
)

// Twilio's published signature test vectors, as in twilio-go's
// client/request_validator_test.go (v1.31.0): auth token 12345, this URL
// and these parameters.
const (
	vectorToken = "12345"
	vectorURL   = "https://mycompany.com/myapp.php?foo=1&bar=2"
)

func vectorParams() url.Values {
	return url.Values{
		"Digits":                {"1234"},
		"CallSid":               {"CA1234567890ABCDE"},
		"To":                    {"+18005551212"},
		"Caller":                {"+14158675309"},
		"From":                  {"+14158675309"},
		"ReasonConferenceEnded": {"test"},
		"Reason":                {"Participant"},
	}
}

func TestSignatureMatchesTwilioVectors(t *testing.T) {
	n := &Notifier{cfg: Config{AuthToken: vectorToken}}
	tests := []struct {
		name, url, sig string
		want           bool
	}{
		{"published signature", vectorURL, "vOEb5UThFn24KEfnOFLQY2AE5FY=", true},
		{"wrong signature", vectorURL, "WRONG SIGNATURE", false},
		{"https with a port, signed without it", "https://mycompany.com:1234/myapp.php?foo=1&bar=2", "vOEb5UThFn24KEfnOFLQY2AE5FY=", true},
		{"http, signed without a port", "http://mycompany.com/myapp.php?foo=1&bar=2", "n2xBNyzSW7rfYStDtOFiFMv7qNo=", true},
		{"http with a port", "http://mycompany.com:1234/myapp.php?foo=1&bar=2", "n2xBNyzSW7rfYStDtOFiFMv7qNo=", true},
		{"parameters sorted wrongly", vectorURL, "95+Bu0JVPi0r/SsESZCVf0dWAjw=", false},
		{"no signature", vectorURL, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := n.validSignature(tt.url, vectorParams(), tt.sig); got != tt.want {
				t.Errorf("validSignature = %v; want %v", got, tt.want)
			}
		})
	}
	// The double signs webhooks the way Twilio does.
	if got := twiliotest.Sign(vectorToken, vectorURL, vectorParams()); got != "vOEb5UThFn24KEfnOFLQY2AE5FY=" {
		t.Errorf("twiliotest.Sign = %q; want Twilio's published signature", got)
	}
	// Without an auth token, nothing is valid: no Twilio can call us.
	if (&Notifier{}).validSignature(vectorURL, vectorParams(), "vOEb5UThFn24KEfnOFLQY2AE5FY=") {
		t.Error("a notifier without an auth token accepted a signature")
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		want     outcome
		wantCode int
	}{
		{"accepted", nil, outcomeSent, 0},
		{"rate limit", &client.TwilioRestError{Status: 429, Code: 20429}, outcomeRetry, 20429},
		{"server error", &client.TwilioRestError{Status: 500, Code: 20500}, outcomeUnsure, 20500},
		{"unavailable", &client.TwilioRestError{Status: 503, Code: 20503}, outcomeUnsure, 20503},
		{"bad credentials", &client.TwilioRestError{Status: 401, Code: 20003}, outcomeRetry, 20003},
		{"invalid number", &client.TwilioRestError{Status: 400, Code: 21211}, outcomePermanent, 21211},
		{"opted out at Twilio", &client.TwilioRestError{Status: 400, Code: 21610}, outcomePermanent, 21610},
		{"timeout", fmt.Errorf("post: %w", &net.OpError{Op: "read", Err: errors.New("i/o timeout")}), outcomeUnsure, 0},
		{"dropped", io.ErrUnexpectedEOF, outcomeUnsure, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := classify(tt.err)
			if got != tt.want || code != tt.wantCode {
				t.Errorf("classify = %v, %d; want %v, %d", got, code, tt.want, tt.wantCode)
			}
		})
	}
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	n := &Notifier{cfg: withDefaults(Config{BackoffBase: time.Second, BackoffMax: 30 * time.Second})}
	for attempts, full := range map[int]time.Duration{
		1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 5: 16 * time.Second, 6: 30 * time.Second, 40: 30 * time.Second,
	} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := n.backoff(attempts)
			if d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v; want between %v and %v", attempts, d, full/2, full)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("backoff(%d) took %d values in 200 draws; want jitter", attempts, len(seen))
		}
	}
	if d := n.backoff(0); d != 0 {
		t.Errorf("backoff(0) = %v; want 0", d)
	}
}

// TestTwilioClientFollowsNoRedirect: a redirect from the API is not
// followed (Go's client would send the request again, credentials and all).
func TestTwilioClientFollowsNoRedirect(t *testing.T) {
	tw := twiliotest.New(t)
	var redirected atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirected.Add(1)
		http.Redirect(w, r, tw.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(front.Close)
	s, err := newTwilioSender(withDefaults(Config{AccountSID: tw.AccountSID, AuthToken: tw.AuthToken,
		From: twiliotest.FromNumber, APIBaseURL: front.URL, HTTPTimeout: time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	d := &wijkhelpt.Delivery{Key: "k", To: "+31611111111", Body: "hallo"}
	sid, err := s.send(t.Context(), d)
	if err == nil {
		t.Errorf("send through a redirect = %q; want an error", sid)
	}
	if _, _, err := s.lookup(t.Context(), d, time.Now().Add(-time.Hour), func(string) bool { return false }); err == nil {
		t.Error("look-up through a redirect succeeded; want an error")
	}
	if redirected.Load() != 2 || tw.Calls() != 0 {
		t.Errorf("front got %d calls, the real API %d; want 2 and 0", redirected.Load(), tw.Calls())
	}
}

func TestTwilioSenderRefusesBadBaseURL(t *testing.T) {
	for _, base := range []string{"ftp://example.com", "api.twilio.com", "http://"} {
		if _, err := newTwilioSender(withDefaults(Config{AccountSID: "AC1", AuthToken: "t", From: "+31", APIBaseURL: base})); err == nil {
			t.Errorf("newTwilioSender with base URL %q: no error", base)
		}
	}
}
