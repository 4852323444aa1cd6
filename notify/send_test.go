package notify_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/notify"
	"wijkhelpt/notify/twiliotest"
)

// proposalTo stores a request and confirms it to one volunteer with phone
// number phone, and returns the key of the proposal message.
func (e *env) proposalTo(phone string) string {
	e.tb.Helper()
	o := e.offer("Piet Pieters", phone, true)
	r := e.propose(e.request("Anna de Vries", anna, true, "", false), o)
	return r.Matches[0].ID + ":proposal"
}

// TestSendTimeoutIsLookedUpBeforeResending: Twilio takes the message but
// answers after the client gave up. The next try finds it at Twilio
// instead of sending it again.
func TestSendTimeoutIsLookedUpBeforeResending(t *testing.T) {
	e := newEnv(t, true)
	var once sync.Once
	e.tw.SetFaults(func(c twiliotest.Call) twiliotest.Fault {
		f := twiliotest.Fault{}
		if c.Method == http.MethodPost {
			// Longer than the notifier's HTTP timeout (a second).
			once.Do(func() { f = twiliotest.Fault{Delay: 1500 * time.Millisecond, AfterAccept: true} })
		}
		return f
	})
	key := e.proposalTo(piet)
	e.settle()
	got := e.tw.To(piet)
	if len(got) != 1 {
		t.Fatalf("%d messages; want 1", len(got))
	}
	if d := e.delivery(key); d.State != wijkhelpt.DeliverySent || d.Attempts != 1 || d.SID != got[0].SID {
		t.Errorf("message: %s after %d attempts, sid %s; want sent after 1, sid %s", d.State, d.Attempts, d.SID, got[0].SID)
	}
	if !strings.Contains(e.log.String(), "sms found at twilio after an unclear send") {
		t.Error("the message was not found by a look-up")
	}
}

// TestRateLimitIsRetried: 429 means nothing was sent, so the message is
// simply sent again after a pause, without a look-up.
func TestRateLimitIsRetried(t *testing.T) {
	e := newEnv(t, true)
	var mu sync.Mutex
	posts, gets := 0, 0
	e.tw.SetFaults(func(c twiliotest.Call) twiliotest.Fault {
		mu.Lock()
		defer mu.Unlock()
		if c.Method != http.MethodPost {
			gets++
			return twiliotest.Fault{}
		}
		posts++
		if posts <= 3 {
			return twiliotest.TooManyRequests
		}
		return twiliotest.Fault{}
	})
	key := e.proposalTo(piet)
	e.settle()
	if n := len(e.tw.To(piet)); n != 1 {
		t.Fatalf("%d messages; want 1", n)
	}
	if d := e.delivery(key); d.State != wijkhelpt.DeliverySent || d.Attempts != 4 {
		t.Errorf("message: %s after %d attempts; want sent after 4", d.State, d.Attempts)
	}
	mu.Lock()
	defer mu.Unlock()
	if gets != 0 {
		t.Errorf("%d look-ups after rate limits; want none (nothing was sent)", gets)
	}
}

// TestLookupReadsPastTheNewestPage: the unclear message is not among the
// 50 newest messages to the number, so the look-up must also list the
// messages sent since the first try.
func TestLookupReadsPastTheNewestPage(t *testing.T) {
	e := newEnv(t, false)
	var mu sync.Mutex
	posts := 0
	lookupsFail := true
	e.tw.SetFaults(func(c twiliotest.Call) twiliotest.Fault {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case c.Method == http.MethodPost:
			posts++
			if posts == 1 {
				return twiliotest.ErrorAfterAccept
			}
		case lookupsFail:
			return twiliotest.TooManyRequests
		}
		return twiliotest.Fault{}
	})
	key := e.proposalTo(piet)
	e.waitFor("the first try", func() bool {
		d, err := e.db.FindMessage(t.Context(), key)
		return err == nil && d.State == wijkhelpt.DeliveryUnsure
	})
	// Sixty newer messages to the same number (look-ups fail meanwhile).
	for i := range 60 {
		e.clock.Add(time.Second)
		postDirect(t, e.tw, piet, fmt.Sprintf("Ander bericht %d", i))
	}
	mu.Lock()
	lookupsFail = false
	mu.Unlock()
	e.advance(time.Minute)
	got := e.tw.To(piet)
	ours := 0
	for _, m := range got {
		if strings.Contains(m.Body, "kun jij helpen") {
			ours++
		}
	}
	d := e.delivery(key)
	if ours != 1 || d.State != wijkhelpt.DeliverySent || d.SID != got[0].SID || d.Attempts != 1 {
		t.Errorf("%d proposals sent; message %s after %d attempts, sid %s; want 1, sent after 1, sid %s",
			ours, d.State, d.Attempts, d.SID, got[0].SID)
	}
}

func TestPermanentSendErrorIsShownToMediator(t *testing.T) {
	for _, code := range []int{21211, 21610} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			e := newEnv(t, false)
			e.tw.Reject(piet, code)
			o := e.offer("Piet Pieters", piet, true)
			r := e.propose(e.request("Anna de Vries", anna, true, "", false), o)
			e.settle()
			d := e.delivery(r.Matches[0].ID + ":proposal")
			if d.State != wijkhelpt.DeliveryFailed || d.ErrorCode != code || d.Attempts != 1 {
				t.Errorf("proposal: %s, code %d, %d attempts; want failed, %d, 1", d.State, d.ErrorCode, d.Attempts, code)
			}
			if got := e.reload(r); got.NeedsAttention != notify.NeedsAttentionSMS {
				t.Errorf("attention %q; want %q", got.NeedsAttention, notify.NeedsAttentionSMS)
			}
			ds, err := e.n.Deliveries(t.Context(), r.ID)
			if err != nil || len(ds) != 1 || ds[0].Reason != fmt.Sprint(code) {
				t.Errorf("Deliveries = %+v, %v", ds, err)
			}
			// Twilio's "unsubscribed recipient" is an opt-out here too.
			if out, err := e.n.Opted(t.Context(), piet); err != nil || out != (code == 21610) {
				t.Errorf("Opted = %v, %v; want %v", out, err, code == 21610)
			}
		})
	}
}

// TestCredentialsComeFromConfigOnly: twilio-go would read TWILIO_* from
// the environment; the notifier must use what it is given, and nothing
// when it is given nothing.
func TestCredentialsComeFromConfigOnly(t *testing.T) {
	t.Run("given", func(t *testing.T) {
		t.Setenv("TWILIO_ACCOUNT_SID", "ACffffffffffffffffffffffffffffffff")
		t.Setenv("TWILIO_AUTH_TOKEN", "ffffffffffffffffffffffffffffffff")
		e := newEnv(t, false)
		key := e.proposalTo(piet)
		e.settle()
		if n := len(e.tw.To(piet)); n != 1 {
			t.Fatalf("%d messages with the configured credentials; want 1", n)
		}
		if d := e.delivery(key); d.State != wijkhelpt.DeliverySent {
			t.Errorf("message %s; want sent", d.State)
		}
	})
	t.Run("none", func(t *testing.T) {
		// The environment holds the double's own credentials: any use of
		// them would reach it.
		t.Setenv("TWILIO_ACCOUNT_SID", twiliotest.AccountSID)
		t.Setenv("TWILIO_AUTH_TOKEN", twiliotest.AuthToken)
		e := newEnvWith(t, false, func(c *notify.Config) { c.AccountSID, c.AuthToken = "", "" })
		key := e.proposalTo(piet)
		e.settle()
		if n := e.tw.Calls(); n != 0 {
			t.Errorf("%d calls to Twilio without credentials; want none", n)
		}
		d := e.delivery(key)
		if d.State != wijkhelpt.DeliverySent || d.SID != "" {
			t.Errorf("message %s, sid %q; want sent to the log", d.State, d.SID)
		}
		log := e.log.String()
		if !strings.Contains(log, "sms written to log") || !strings.Contains(log, `"to":"+31*******11"`) {
			t.Errorf("the log lacks the message with the masked number:\n%s", log)
		}
		if strings.Contains(log, piet) || strings.Contains(log, anna) {
			t.Errorf("the log shows a phone number:\n%s", log)
		}
	})
}

func TestStatusCallbackGoesToThePublicURL(t *testing.T) {
	e := newEnv(t, false)
	e.proposalTo(piet)
	e.settle()
	got := e.tw.To(piet)
	if len(got) != 1 || got[0].StatusCallback != publicURL+notify.PathStatus {
		t.Fatalf("messages %v; want one with status callback %s", got, publicURL+notify.PathStatus)
	}
	if got[0].From != twiliotest.FromNumber {
		t.Errorf("sent from %q; want %q", got[0].From, twiliotest.FromNumber)
	}
}
