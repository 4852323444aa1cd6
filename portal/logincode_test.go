package portal_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/notify/twiliotest"
	"wijkhelpt/portal"
)

// The volunteers of the fixture log in by SMS code with their offers'
// numbers: OfferA's (the "volunteer" user) and OfferB's (Volunteer2).
const (
	volunteerPhone  = "+31611111111"
	volunteer2Phone = "+31622222222"
)

// askCode asks for a login code for the typed number as a new visitor.
// It waits until the code, if any, was sent: that happens after the answer.
func askCode(t *testing.T, f *Fixture, phone string) Response {
	t.Helper()
	resp := f.DoPage(t, "anonymous", FormRequest("/inloggen/sms", url.Values{"phone": {phone}}))
	f.WaitBackground(t)
	return resp
}

// enterCode sends a typed code for the number (E.164, as the code page
// holds it) as a new visitor.
func enterCode(t *testing.T, f *Fixture, phone, code string) Response {
	t.Helper()
	return f.DoPage(t, "anonymous", FormRequest("/inloggen/code", url.Values{"phone": {phone}, "code": {code}, "next": {""}}))
}

var smsCode = regexp.MustCompile(`\b([0-9]{6})\b`)

// lastCode is the code in the newest SMS the Twilio double took for phone.
func lastCode(t *testing.T, f *Fixture, phone string) string {
	t.Helper()
	ms := f.Twilio.To(phone)
	if len(ms) == 0 {
		t.Fatalf("no SMS to %s", phone)
	}
	m := smsCode.FindStringSubmatch(ms[len(ms)-1].Body)
	if m == nil {
		t.Fatalf("no code in the SMS %q", ms[len(ms)-1].Body)
	}
	return m[1]
}

// wantStatus fails the test when the response has another status.
func wantStatus(t *testing.T, what string, r Response, want int) {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s: status %d, want %d\n%.3000s", what, r.Status, want, r.Body)
	}
}

func TestLoginCodeFlow(t *testing.T) {
	f := NewFixture(t)
	u := f.Users[wijkhelpt.RoleVolunteer]

	page := f.DoPage(t, "anonymous", httptest.NewRequest(http.MethodGet, TestPublicURL+"/inloggen", nil))
	if !strings.Contains(string(page.Body), `href="/inloggen/sms"`) || !strings.Contains(string(page.Body), "Stuur mij een code per sms") {
		t.Errorf("the login page does not offer a code by SMS:\n%s", page.Body)
	}

	// Any Dutch way of writing the number.
	resp := askCode(t, f, "+31 (0)6 1111 1111")
	wantStatus(t, "ask", resp, http.StatusOK)
	body := string(resp.Body)
	for _, want := range []string{`action="/inloggen/code"`, `autocomplete="one-time-code"`, `inputmode="numeric"`,
		`name="phone" value="&#43;31611111111"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the code page lacks %s", want)
		}
	}
	if strings.Contains(body, "maxlength") {
		t.Error("the code field limits its length: a pasted \"123 456\" would lose a digit")
	}
	sms := f.Twilio.To(volunteerPhone)
	if len(sms) != 1 || !strings.HasPrefix(sms[0].Body, "WijkHelpt: je inlogcode is ") {
		t.Fatalf("SMS to the volunteer: %v", sms)
	}
	code := lastCode(t, f, volunteerPhone)

	// The code is stored hashed, in a document no cookie can find.
	doc, err := f.DB.FindSession(t.Context(), portal.LoginCodeID(volunteerPhone))
	if err != nil {
		t.Fatalf("the code document: %v", err)
	}
	if doc.Data["purpose"] != "sms-login" {
		t.Errorf("the code document's purpose is %q, want sms-login", doc.Data["purpose"])
	}
	if regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(doc.ID) {
		t.Errorf("the code document's ID %q has the form of a session cookie's hash", doc.ID)
	}
	if s := fmt.Sprint(*doc); strings.Contains(s, code) {
		t.Errorf("the code is stored readable: %s", s)
	}

	// Pasted with a space, over a session planted before (fixation).
	planted := f.Session["volunteer2"]
	req := FormRequest("/inloggen/code", url.Values{"phone": {volunteerPhone}, "code": {" " + code[:3] + " " + code[3:] + " "},
		"_csrf": {planted.CSRF}})
	req.AddCookie(&http.Cookie{Name: "wh", Value: planted.Cookie})
	req.Header.Set("Origin", TestPublicURL)
	resp = f.Do(t, Caller{}, req)
	wantStatus(t, "enter code", resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/vrijwilliger" {
		t.Errorf("after login to %q, want /vrijwilliger", loc)
	}
	ck, ok := resp.Cookie("wh")
	if !ok || ck.Value == "" || ck.Value == planted.Cookie {
		t.Fatalf("session cookie %+v; want a new one", ck)
	}
	if got := viewerOf(t, f, Caller{Cookie: ck.Value}); got["loggedIn"] != true || got["userId"] != u.ID || got["role"] != "volunteer" {
		t.Errorf("viewer after the code: %v", got)
	}
	if got := viewerOf(t, f, Caller{Cookie: planted.Cookie}); got["loggedIn"] != false {
		t.Errorf("the session presented at login still works: %v", got)
	}
	if !f.Audited(t, wijkhelpt.UserActor(u.Role, u.ID), "login", u.ID) {
		t.Error("login not audited")
	}

	// Once only.
	again := enterCode(t, f, volunteerPhone, code)
	wantStatus(t, "the code again", again, http.StatusUnprocessableEntity)
	if _, ok := again.Cookie("wh"); ok || !strings.Contains(string(again.Body), "Deze code klopt niet of is verlopen.") {
		t.Errorf("a used code: cookie set %v, body:\n%s", ok, again.Body)
	}
}

func TestLoginCodeRefused(t *testing.T) {
	clock := NewManualClock()
	f := NewFixture(t, clock.Use)

	wantStatus(t, "ask", askCode(t, f, "06-11111111"), http.StatusOK)
	code := lastCode(t, f, volunteerPhone)
	wrong := fmt.Sprintf("%06d", (mustAtoi(t, code)+1)%1_000_000)
	resp := enterCode(t, f, volunteerPhone, wrong)
	wantStatus(t, "wrong code", resp, http.StatusUnprocessableEntity)
	if _, ok := resp.Cookie("wh"); ok {
		t.Error("a wrong code set a session cookie")
	}
	body := string(resp.Body)
	if !strings.Contains(body, "Deze code klopt niet of is verlopen.") || !strings.Contains(body, `aria-invalid="true"`) ||
		!strings.Contains(body, `value="`+wrong+`"`) {
		t.Errorf("a wrong code: want the error next to the field, with what was typed:\n%s", body)
	}
	for _, typed := range []string{"", "12345", "1234567", "12a456"} {
		resp := enterCode(t, f, volunteerPhone, typed)
		wantStatus(t, "code "+typed, resp, http.StatusUnprocessableEntity)
		if !strings.Contains(string(resp.Body), "Vul de code van 6 cijfers uit de sms in.") {
			t.Errorf("code %q: no request for six digits", typed)
		}
	}
	// A new code replaces the old one.
	wantStatus(t, "ask again", askCode(t, f, "0611111111"), http.StatusOK)
	newer := lastCode(t, f, volunteerPhone)
	if newer != code {
		wantStatus(t, "the replaced code", enterCode(t, f, volunteerPhone, code), http.StatusUnprocessableEntity)
	}
	// Ten minutes and the code is gone.
	clock.Add(10*time.Minute + time.Second)
	wantStatus(t, "an expired code", enterCode(t, f, volunteerPhone, newer), http.StatusUnprocessableEntity)
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLoginCodeSamePageForEveryNumber: whether a number belongs to a
// volunteer, to nobody, to a disabled account or to someone who opted out
// of SMS, the page is the same; only the volunteer gets an SMS.
func TestLoginCodeSamePageForEveryNumber(t *testing.T) {
	f := NewFixture(t, StoppedClock)
	const disabledPhone, nobody = "+31633333333", "+31655550000"
	// A disabled volunteer with an offer of their own.
	o := f.offer(t, "Joost Uit", "06-33333333", "3961 AC", "5")
	dis := f.user(t, "disabled", wijkhelpt.RoleVolunteer, o.ID)
	if _, err := f.DB.UpdateOffer(t.Context(), o.ID, func(of *wijkhelpt.Offer) error { of.UserID = dis.ID; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.UpdateUser(t.Context(), dis.ID, func(u *wijkhelpt.User) error { u.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := f.DB.SetOptOut(t.Context(), volunteer2Phone, true, time.Now()); err != nil {
		t.Fatal(err)
	}
	csrf := regexp.MustCompile(`(name="_csrf" value|name="csrf-token" content)="[0-9a-f]+"`)
	page := func(phone string) string {
		resp := askCode(t, f, phone)
		wantStatus(t, "ask "+phone, resp, http.StatusOK)
		body := csrf.ReplaceAllString(string(resp.Body), "")
		return strings.NewReplacer(phone, "NUMBER", "&#43;"+phone[1:], "NUMBER").Replace(body)
	}
	want := page(volunteerPhone)
	for _, phone := range []string{nobody, disabledPhone, volunteer2Phone} {
		if got := page(phone); got != want {
			t.Errorf("the page for %s differs from a volunteer's:\n%s\n---- want ----\n%s", phone, got, want)
		}
	}
	if n := len(f.Twilio.Messages()); n != 1 {
		t.Errorf("%d SMS sent; want 1, to the volunteer only: %v", n, f.Twilio.Messages())
	}
	if len(f.Twilio.To(volunteerPhone)) != 1 {
		t.Error("no SMS to the volunteer")
	}
	// A right-looking code for a number without one is the usual refusal.
	wantStatus(t, "code for nobody", enterCode(t, f, nobody, "123456"), http.StatusUnprocessableEntity)

	// Bad numbers are told apart by their form, which gives nothing away.
	for _, tt := range []struct{ typed, want string }{
		{"", "Vul je mobiele nummer in."},
		{"12345", "Dit telefoonnummer klopt niet."},
		{"0343-123456", "Dit is geen mobiel nummer."},
	} {
		resp := askCode(t, f, tt.typed)
		wantStatus(t, "number "+tt.typed, resp, http.StatusUnprocessableEntity)
		if body := string(resp.Body); !strings.Contains(body, tt.want) || !strings.Contains(body, `value="`+tt.typed+`"`) {
			t.Errorf("number %q: want %q next to the field with what was typed:\n%s", tt.typed, tt.want, body)
		}
	}
}

func TestLoginCodeThrottledPerNumber(t *testing.T) {
	f := NewFixture(t, StoppedClock)
	for i := 1; i <= 3; i++ {
		wantStatus(t, fmt.Sprintf("ask %d", i), askCode(t, f, "06-11111111"), http.StatusOK)
	}
	resp := askCode(t, f, "06-11111111")
	wantStatus(t, "4th code for one number", resp, http.StatusTooManyRequests)
	if !strings.Contains(string(resp.Body), "Er zijn te veel codes gevraagd") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("429 without its message or Retry-After:\n%s", resp.Body)
	}
	if n := len(f.Twilio.To(volunteerPhone)); n != 3 {
		t.Errorf("%d SMS; want 3", n)
	}
	// Another number from the same address still gets its code.
	wantStatus(t, "other number", askCode(t, f, "06-22222222"), http.StatusOK)
	code := lastCode(t, f, volunteer2Phone)

	// Guessing: five wrong codes, then even the right one is refused, and
	// the code is used up.
	wrong := fmt.Sprintf("%06d", (mustAtoi(t, code)+1)%1_000_000)
	for i := 1; i <= 5; i++ {
		wantStatus(t, fmt.Sprintf("wrong %d", i), enterCode(t, f, volunteer2Phone, wrong), http.StatusUnprocessableEntity)
	}
	resp = enterCode(t, f, volunteer2Phone, code)
	wantStatus(t, "6th try", resp, http.StatusTooManyRequests)
	if !strings.Contains(string(resp.Body), "Er is te vaak een verkeerde code geprobeerd") {
		t.Errorf("429 without its message:\n%s", resp.Body)
	}
	if _, ok := resp.Cookie("wh"); ok {
		t.Error("a throttled try set a session cookie")
	}
	// Tries for another number are not blocked by these.
	wantStatus(t, "other number's try", enterCode(t, f, volunteerPhone, "000000"), http.StatusUnprocessableEntity)
}

func TestLoginCodeThrottledPerAddress(t *testing.T) {
	f := NewFixture(t, StoppedClock)
	number := func(i int) string { return fmt.Sprintf("06-4%07d", i) }
	for i := 1; i <= 10; i++ {
		wantStatus(t, fmt.Sprintf("ask %d", i), askCode(t, f, number(i)), http.StatusOK)
	}
	// The address has asked enough, whatever the number.
	wantStatus(t, "11th code from one address", askCode(t, f, "06-11111111"), http.StatusTooManyRequests)
	if n := len(f.Twilio.To(volunteerPhone)); n != 0 {
		t.Errorf("%d SMS after the limit; want 0", n)
	}
	// Tries count with the address's password attempts.
	for i := 1; i <= 30; i++ {
		e164 := "+3164" + fmt.Sprintf("%07d", i)
		wantStatus(t, fmt.Sprintf("try %d", i), enterCode(t, f, e164, "123456"), http.StatusUnprocessableEntity)
	}
	wantStatus(t, "31st try from one address", enterCode(t, f, "+31612121212", "123456"), http.StatusTooManyRequests)
	if resp := login(t, f, "mediator@wijkhelpt.test", TestPassword); resp.Status != http.StatusTooManyRequests {
		t.Errorf("password login after 30 code tries: status %d, want 429", resp.Status)
	}
}

// TestLoginCodeNeedsCSRF: both steps are forms like any other.
func TestLoginCodeNeedsCSRF(t *testing.T) {
	f := NewFixture(t)
	for _, tt := range []struct {
		path string
		form url.Values
	}{
		{"/inloggen/sms", url.Values{"phone": {"06-11111111"}}},
		{"/inloggen/code", url.Values{"phone": {volunteerPhone}, "code": {"123456"}}},
	} {
		// No token at all, and a token without its cookie.
		for _, tok := range []string{"", "0123456789abcdef0123456789abcdef"} {
			form := url.Values{portal.CSRFField: {tok}}
			for k, v := range tt.form {
				form[k] = v
			}
			req := FormRequest(tt.path, form)
			req.Header.Set("Origin", TestPublicURL)
			resp := f.Do(t, Caller{}, req)
			if resp.Status != http.StatusForbidden {
				t.Errorf("%s with token %q: status %d, want 403", tt.path, tok, resp.Status)
			}
			if _, ok := resp.Cookie("wh"); ok {
				t.Errorf("%s without CSRF set a session cookie", tt.path)
			}
		}
		// The right token from another site.
		tok := f.AnonymousCSRF(t)
		form := url.Values{portal.CSRFField: {tok}}
		for k, v := range tt.form {
			form[k] = v
		}
		req := FormRequest(tt.path, form)
		req.AddCookie(&http.Cookie{Name: "wh-csrf", Value: tok})
		req.Header.Set("Origin", "https://elders.example")
		if resp := f.Do(t, Caller{}, req); resp.Status != http.StatusForbidden {
			t.Errorf("%s from another origin: status %d, want 403", tt.path, resp.Status)
		}
	}
	if n := len(f.Twilio.Messages()); n != 0 {
		t.Errorf("%d SMS sent without a valid form", n)
	}
}

// The answer to "send me a code" does not wait for Twilio: otherwise a
// volunteer's number (a send) would take longer to answer than any other
// number, and the page would tell whose numbers are volunteers'.
func TestLoginCodeAnswerDoesNotWaitForTwilio(t *testing.T) {
	f := NewFixture(t)
	const slow = 2 * time.Second
	var mu sync.Mutex
	var sendAt time.Time
	f.Twilio.SetFaults(func(c twiliotest.Call) twiliotest.Fault {
		if c.Method != http.MethodPost {
			return twiliotest.Fault{}
		}
		mu.Lock()
		sendAt = time.Now()
		mu.Unlock()
		return twiliotest.Fault{Delay: slow} // answers, late
	})
	resp := f.DoPage(t, "anonymous", FormRequest("/inloggen/sms", url.Values{"phone": {"06-11111111"}}))
	answered := time.Now()
	wantStatus(t, "ask", resp, http.StatusOK)
	f.WaitBackground(t)
	mu.Lock()
	defer mu.Unlock()
	if sendAt.IsZero() {
		t.Fatal("no code was sent")
	}
	if !answered.Before(sendAt.Add(slow)) {
		t.Errorf("the page answered after Twilio did: it waited for the send")
	}
	// The slow send did go through, and its code works.
	code := lastCode(t, f, volunteerPhone)
	if r := enterCode(t, f, volunteerPhone, code); r.Status != http.StatusSeeOther {
		t.Errorf("the code of the slow send: status %d, want 303", r.Status)
	}
}
