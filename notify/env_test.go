package notify_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"wijkhelpt"
	"wijkhelpt/notify"
	"wijkhelpt/notify/twiliotest"
	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

// One embedded FerretDB serves every test of this package, each test on a
// database of its own.
func TestMain(m *testing.M) { storetest.Main(m) }

const (
	publicURL = "https://wijkhelpt.example"
	deskPhone = "0343-575000"
	mediator  = wijkhelpt.Actor("mediator:u1")
)

// clock is the clock of one test: settable for the notifier and the Twilio
// double, or the real one. Everything a test dates (requests, proposals,
// what counts as due) reads the same clock as the notifier, whatever the
// calendar date of the machine is.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	real bool
}

func (c *clock) Now() time.Time {
	if c.real {
		return time.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	if c.real {
		panic("clock: the real clock cannot be moved")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer collects the notifier's log for checks on what it reveals.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// env is a store, a Twilio double and notifiers running on them.
type env struct {
	tb    testing.TB
	db    store.Store
	tw    *twiliotest.Server
	clock *clock
	log   *logBuffer
	n     *notify.Notifier
	seq   int
	// patience is how long waitFor waits before it fails the test: a
	// guard against hanging, never a measurement. The tests with many
	// messages give a slow (or busy) machine more.
	patience time.Duration
}

// start is the desk's clock in the flow tests: Friday 20 November 2026.
func start() time.Time { return time.Date(2026, 11, 20, 10, 0, 0, 0, wijkhelpt.Amsterdam()) }

// newEnv starts a notifier against a fresh store and a Twilio double. With
// a fake clock (the default) time only moves when the test moves it; the
// chaos tests use the real one because leases and timeouts must run out.
func newEnv(tb testing.TB, realClock bool, opts ...twiliotest.Option) *env {
	tb.Helper()
	return newEnvWith(tb, realClock, nil, opts...)
}

// newEnvWith is newEnv with a change to the notifier's configuration.
func newEnvWith(tb testing.TB, realClock bool, change func(*notify.Config), opts ...twiliotest.Option) *env {
	tb.Helper()
	e := &env{tb: tb, db: storetest.Open(tb), clock: &clock{t: start(), real: realClock}, log: &logBuffer{}}
	if !realClock {
		opts = append([]twiliotest.Option{twiliotest.WithClock(e.clock.Now)}, opts...)
	}
	e.tw = twiliotest.New(tb, opts...)
	cfg := e.config(e.clock.Now)
	if change != nil {
		change(&cfg)
	}
	e.n = e.notifier(cfg, "a")
	e.run(e.n)
	return e
}

// config is a Twilio configuration against the double, tuned for tests:
// quick polls, short backoff, a short HTTP timeout (and so a short lease).
func (e *env) config(now func() time.Time) notify.Config {
	return notify.Config{
		AccountSID:   e.tw.AccountSID,
		AuthToken:    e.tw.AuthToken,
		From:         twiliotest.FromNumber,
		APIBaseURL:   e.tw.URL,
		PublicURL:    publicURL,
		DeskPhone:    deskPhone,
		Workers:      2,
		PollInterval: 10 * time.Millisecond,
		BackoffBase:  5 * time.Millisecond,
		BackoffMax:   80 * time.Millisecond,
		HTTPTimeout:  time.Second,
		Lease:        3 * time.Second,
		Now:          now,
	}
}

func (e *env) notifier(cfg notify.Config, instance string) *notify.Notifier {
	e.tb.Helper()
	cfg.Instance = instance
	logger := slog.New(slog.NewJSONHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n, err := notify.New(cfg, e.db, logger)
	if err != nil {
		e.tb.Fatalf("notify.New: %v", err)
	}
	return n
}

// run runs n until the test ends.
func (e *env) run(n *notify.Notifier) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	e.tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.tb.Errorf("Run: %v", err)
		}
	})
}

func location(street, number string) wijkhelpt.Location {
	return wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: number, Street: street, Place: "Wijk bij Duurstede",
		PC4: "3961", Point: wijkhelpt.Point{Lat: 51.9745, Lon: 5.3432}, Source: "pdok"}
}

// offer stores a volunteer's offer.
func (e *env) offer(name, phone string, mobile bool) *wijkhelpt.Offer {
	e.tb.Helper()
	in := wijkhelpt.OfferInput{Kind: wijkhelpt.OfferVolunteer, Name: name,
		Categories: []string{"boodschappen", "vervoer"}, MaxDistanceKm: 5, Capacity: 2}
	o := wijkhelpt.NewOffer(in, location("Dam", "1"), phone, mobile, wijkhelpt.ActorImport, e.clock.Now())
	stored, _, err := e.db.CreateOffer(e.tb.Context(), o)
	if err != nil {
		e.tb.Fatalf("CreateOffer: %v", err)
	}
	return stored
}

// request stores a request for help on date (YYYY-MM-DD, "" for flexible),
// taken by phone so that no confirmation SMS is queued, unless web.
func (e *env) request(name, phone string, mobile bool, date string, web bool) *wijkhelpt.Request {
	e.tb.Helper()
	e.seq++
	in := wijkhelpt.RequestInput{Text: "Wie kan boodschappen doen?", Categories: []string{"boodschappen"},
		Date: date, Contact: wijkhelpt.Contact{Name: name, Phone: phone}, Consent: wijkhelpt.ConsentVerbal}
	if date != "" {
		in.DayPart = "ochtend"
	}
	channel := wijkhelpt.ChannelPhone
	if web {
		channel, in.Consent = wijkhelpt.ChannelWeb, wijkhelpt.ConsentWeb
	}
	r, _ := wijkhelpt.NewRequest(in, location("Markt", fmt.Sprint(e.seq)), phone, mobile, channel,
		wijkhelpt.UserActor(wijkhelpt.RolePhone, "u2"), e.clock.Now(), publicURL)
	stored, _, err := e.db.CreateRequest(e.tb.Context(), r)
	if err != nil {
		e.tb.Fatalf("CreateRequest: %v", err)
	}
	e.n.Wake()
	return stored
}

// propose is the mediator's confirmation of r to the offers.
func (e *env) propose(r *wijkhelpt.Request, offers ...*wijkhelpt.Offer) *wijkhelpt.Request {
	e.tb.Helper()
	var props []wijkhelpt.Proposal
	for i, o := range offers {
		props = append(props, wijkhelpt.Proposal{Offer: o, DistanceKm: 1.2 + float64(i), Score: 0.9})
	}
	got, err := e.db.UpdateRequest(e.tb.Context(), r.ID, func(r *wijkhelpt.Request) error {
		return r.Propose(props, mediator, e.clock.Now(), 24*time.Hour)
	})
	if err != nil {
		e.tb.Fatalf("Propose: %v", err)
	}
	e.n.Wake()
	return got
}

// sms posts a signed inbound SMS to the notifier, as Twilio would, and
// returns its form so that a test can post it again.
func (e *env) sms(from, body string) map[string][]string {
	e.tb.Helper()
	form := e.tw.Inbound(from, body)
	e.post(form)
	return form
}

func (e *env) post(form map[string][]string) {
	e.tb.Helper()
	url := publicURL + notify.PathSMS
	twiml, err := e.n.HandleSMS(e.tb.Context(), url, form, twiliotest.Sign(e.tw.AuthToken, url, form))
	if err != nil {
		e.tb.Fatalf("HandleSMS(%q): %v", form["Body"], err)
	}
	if !strings.Contains(twiml, "<Response>") {
		e.tb.Fatalf("HandleSMS answered %q; want TwiML", twiml)
	}
}

// waitFor polls cond until it holds; it fails the test after a generous
// deadline (a failure, never a measurement). detail, when given, says
// what was still missing.
func (e *env) waitFor(what string, cond func() bool, detail ...func() string) {
	e.tb.Helper()
	deadline := time.Now().Add(cmp.Or(e.patience, time.Minute))
	// Quick looks at first, slower ones after a while; and never looking
	// more than a third of the time, because a look reads whole
	// collections and would take the machine from the notifier in the
	// tests with a thousand messages.
	pause := time.Millisecond
	for {
		t0 := time.Now()
		if cond() {
			return
		}
		took := time.Since(t0)
		if time.Now().After(deadline) {
			for _, d := range detail {
				what += ": " + d()
			}
			e.tb.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(max(pause, 2*took))
		pause = min(2*pause, 100*time.Millisecond)
	}
}

// settle waits until every message due now is relayed and handled. With
// the real clock that is every message: retries are due within moments.
func (e *env) settle() {
	e.tb.Helper()
	e.n.Wake()
	left := ""
	open := func() bool {
		ds, err := e.db.FindMessages(e.tb.Context(), wijkhelpt.DeliveryFilter{States: []wijkhelpt.DeliveryState{
			wijkhelpt.DeliveryPending, wijkhelpt.DeliverySending, wijkhelpt.DeliveryRetry, wijkhelpt.DeliveryUnsure}, Limit: 1000})
		if err != nil {
			left = err.Error()
			return true
		}
		states := map[wijkhelpt.DeliveryState]int{}
		for _, d := range ds {
			if e.clock.real || !d.DueAt.After(e.clock.Now()) {
				states[d.State]++
			}
		}
		left = fmt.Sprintf("open messages %v", states)
		return len(states) > 0
	}
	e.waitFor("the outbox to settle", func() bool {
		// Open messages first, the cheaper look while there is work; once
		// there are none, nothing may be waiting to be relayed, and then
		// (for a message relayed in between) still none may be open.
		if open() {
			return false
		}
		pending, err := e.db.RequestsWithPendingMessages(e.tb.Context(), 1)
		if err != nil || len(pending) > 0 {
			left = fmt.Sprintf("requests with messages to relay (err %v)", err)
			return false
		}
		return !open()
	}, func() string { return left })
}

// advance moves the fake clock and lets the notifier catch up.
func (e *env) advance(d time.Duration) {
	e.tb.Helper()
	e.clock.Add(d)
	e.settle()
}

// texts returns the bodies the double accepted for phone, oldest first.
func (e *env) texts(phone string) []string {
	var out []string
	for _, m := range e.tw.To(phone) {
		out = append(out, m.Body)
	}
	return out
}

// request reloads r.
func (e *env) reload(r *wijkhelpt.Request) *wijkhelpt.Request {
	e.tb.Helper()
	got, err := e.db.FindRequest(e.tb.Context(), r.ID)
	if err != nil {
		e.tb.Fatal(err)
	}
	return got
}

// delivery returns the stored message with the given key.
func (e *env) delivery(key string) *wijkhelpt.Delivery {
	e.tb.Helper()
	d, err := e.db.FindMessage(e.tb.Context(), key)
	if err != nil {
		e.tb.Fatalf("FindMessage(%s): %v", key, err)
	}
	return d
}

// wantTexts checks that phone received exactly len(want) messages, each
// containing the given parts, in order.
func (e *env) wantTexts(phone string, want ...[]string) {
	e.tb.Helper()
	got := e.texts(phone)
	if len(got) != len(want) {
		e.tb.Fatalf("%s received %d messages; want %d:\n%s", phone, len(got), len(want), strings.Join(got, "\n"))
	}
	for i, parts := range want {
		for _, p := range parts {
			if !strings.Contains(got[i], p) {
				e.tb.Errorf("message %d to %s lacks %q: %q", i+1, phone, p, got[i])
			}
		}
	}
}
