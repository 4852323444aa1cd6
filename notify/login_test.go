package notify_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/notify"
)

// TestSendLoginCode: the code goes out at once through Twilio, in the
// volunteer's language, without a status callback (nothing keeps it), and
// neither the code nor the number shows in the log.
func TestSendLoginCode(t *testing.T) {
	e := newEnv(t, false)
	const volunteer = "+31612121212"
	if err := e.n.SendLoginCode(t.Context(), volunteer, "en", "904182", 10*time.Minute); err != nil {
		t.Fatalf("SendLoginCode: %v", err)
	}
	got := e.tw.To(volunteer)
	if len(got) != 1 {
		t.Fatalf("%d messages; want 1", len(got))
	}
	if want := "WijkHelpt: your login code is 904182. Valid for 10 minutes."; !strings.HasPrefix(got[0].Body, want) {
		t.Errorf("body %q; want it to start with %q", got[0].Body, want)
	}
	if got[0].StatusCallback != "" {
		t.Errorf("login code asks for status callbacks at %q", got[0].StatusCallback)
	}
	// Nothing of it is kept with the outbox's messages.
	ds, err := e.db.FindMessages(t.Context(), wijkhelpt.DeliveryFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 0 {
		t.Errorf("%d stored messages; want none", len(ds))
	}
	log := e.log.String()
	for _, secret := range []string{"904182", volunteer, "12121212"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log shows %q:\n%s", secret, log)
		}
	}
	if !strings.Contains(log, "login code sent") {
		t.Errorf("the send was not logged:\n%s", log)
	}
}

// TestSendLoginCodeOptedOut: a number that sent STOP gets no code; one that
// Twilio says unsubscribed is opted out here as well.
func TestSendLoginCodeOptedOut(t *testing.T) {
	e := newEnv(t, false)
	const stopped, atTwilio = "+31613131313", "+31614141414"
	if err := e.db.SetOptOut(t.Context(), stopped, true, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	err := e.n.SendLoginCode(t.Context(), stopped, "nl", "111111", 10*time.Minute)
	if wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("opted out: err %v; want a conflict", err)
	}
	if n := len(e.tw.To(stopped)); n != 0 {
		t.Errorf("opted out number got %d messages", n)
	}

	e.tw.Reject(atTwilio, 21610)
	err = e.n.SendLoginCode(t.Context(), atTwilio, "nl", "222222", 10*time.Minute)
	if wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrConflict {
		t.Errorf("unsubscribed at Twilio: err %v; want a conflict", err)
	}
	if out, err := e.db.OptedOut(t.Context(), atTwilio); err != nil || !out {
		t.Errorf("unsubscribed at Twilio: opted out %v (err %v); want true", out, err)
	}

	// An invalid number: Twilio's error text names it, ours must not.
	e.tw.Reject("+31615151515", 21211)
	err = e.n.SendLoginCode(t.Context(), "+31615151515", "nl", "333333", 10*time.Minute)
	if err == nil || strings.Contains(err.Error(), "15151515") || strings.Contains(err.Error(), "333333") {
		t.Errorf("invalid number: err %v; want an error without the number or code", err)
	}
}

// TestSendLoginCodeToLog: without Twilio credentials messages go to the
// log, but a login code's digits do not.
func TestSendLoginCodeToLog(t *testing.T) {
	e := newEnv(t, false)
	buf := &logBuffer{}
	n, err := notify.New(notify.Config{PublicURL: publicURL, Now: e.clock.Now}, e.db, slog.New(slog.NewJSONHandler(buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.SendLoginCode(t.Context(), "+31616161616", "nl", "987654", 10*time.Minute); err != nil {
		t.Fatalf("SendLoginCode: %v", err)
	}
	log := buf.String()
	if !strings.Contains(log, "sms written to log") || !strings.Contains(log, "[otp]") {
		t.Errorf("the log does not show the masked message:\n%s", log)
	}
	for _, secret := range []string{"987654", "+31616161616"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log shows %q:\n%s", secret, log)
		}
	}
}
