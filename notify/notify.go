// Package notify sends WijkHelpt's SMS and handles the answers.
//
// State changes in the root package queue outbox messages inside the request
// document they belong to, in the same atomic update (wijkhelpt.Message).
// From there the Notifier takes over:
//
//   - relay: copies pending outbox messages into the store's messages
//     collection under their deterministic key (insert-if-absent, so a relay
//     repeated after a crash is harmless), rendered from the Dutch or English
//     templates, and marks them relayed in the request;
//   - dispatch: one look at the queue feeds the workers of an instance;
//     each worker claims its message with a lease (so no two workers of
//     any instance handle it at once, and a crashed claim is taken over
//     when its lease runs out), checks that the message is still wanted and
//     that the number did not opt out, and sends it through Twilio (or
//     writes it to the log when no credentials are configured). Rate
//     limits and server errors are retried with capped, jittered backoff;
//     a send whose outcome is unknown (a timeout, a dropped connection) is
//     looked up at Twilio before it is ever sent again; permanent errors
//     are recorded for the mediator. Messages for people without a mobile
//     phone become call-back tasks for phone staff;
//   - timeouts: proposals nobody answered in time end;
//   - inbound: JA/NEE answers, follow-up answers (1/2), STOP/START/INFO,
//     signature-checked and handled once per Twilio message SID.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"wijkhelpt"
)

// Store is what the notifier needs from the database. The SQLite and the
// MongoDB store (store/sqlite, store/mongo) implement it.
type Store interface {
	FindRequest(ctx context.Context, id string) (*wijkhelpt.Request, error)
	FindRequests(ctx context.Context, f wijkhelpt.RequestFilter) ([]*wijkhelpt.Request, error)
	UpdateRequest(ctx context.Context, id string, fn func(*wijkhelpt.Request) error) (*wijkhelpt.Request, error)
	RequestsDue(ctx context.Context, now time.Time, limit int) ([]*wijkhelpt.Request, error)
	RequestsWithPendingMessages(ctx context.Context, limit int) ([]*wijkhelpt.Request, error)
	FindOffers(ctx context.Context, f wijkhelpt.OfferFilter) ([]*wijkhelpt.Offer, error)

	InsertMessage(ctx context.Context, d *wijkhelpt.Delivery) (bool, error)
	InsertMessages(ctx context.Context, ds []*wijkhelpt.Delivery) error
	DueMessages(ctx context.Context, now time.Time, limit int) ([]*wijkhelpt.Delivery, error)
	ClaimMessage(ctx context.Context, key string, seen int64, owner string, now, until time.Time) (*wijkhelpt.Delivery, wijkhelpt.DeliveryState, error)
	SaveMessage(ctx context.Context, d *wijkhelpt.Delivery) error
	FindMessage(ctx context.Context, key string) (*wijkhelpt.Delivery, error)
	FindMessages(ctx context.Context, f wijkhelpt.DeliveryFilter) ([]*wijkhelpt.Delivery, error)
	FindMessageBySID(ctx context.Context, sid string) (*wijkhelpt.Delivery, error)
	RecordMessageStatus(ctx context.Context, sid, status string, errorCode int, at time.Time) (bool, error)
	MarkCallbackDone(ctx context.Context, key string, by wijkhelpt.Actor, at time.Time) error

	SetOptOut(ctx context.Context, phone string, optedOut bool, at time.Time) error
	OptedOut(ctx context.Context, phone string) (bool, error)
	ClaimInbound(ctx context.Context, sid, owner string, now, until time.Time) (bool, error)
	FinishInbound(ctx context.Context, sid string, at time.Time) error
}

// Config configures a Notifier. The Twilio fields come from TWILIO_ACCOUNT_SID,
// TWILIO_AUTH_TOKEN, TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID and
// WIJKHELPT_TWILIO_API_URL; nothing here is read from the environment.
// Without AccountSID and AuthToken, messages are written to the log (phone
// numbers masked) and marked sent, and webhooks are refused.
type Config struct {
	AccountSID          string
	AuthToken           string
	From                string // sender number or alphanumeric sender ID
	MessagingServiceSID string // instead of From
	// APIBaseURL replaces https://api.twilio.com, for a local test double.
	APIBaseURL string
	// PublicURL is the portal's base URL as Twilio reaches it; status
	// callbacks go to PublicURL + "/webhooks/twilio/status".
	PublicURL string
	// DeskPhone is the help desk's number, given in help texts.
	DeskPhone string
	// AnswerTimeout is how long volunteers have to answer; it is told in
	// the proposal text. Each proposal carries its own deadline.
	AnswerTimeout time.Duration
	// Instance names this process in leases; a random name when empty.
	Instance string

	// Tuning; zero means the default given. Idle loops look seldom and
	// busy ones take a batch at a time.
	Workers      int           // dispatch workers: 2
	Lease        time.Duration // how long a claim holds a message: 30 s
	PollInterval time.Duration // how often the idle relay and dispatch look for work: 1 s
	TimeoutPoll  time.Duration // how often proposals are checked for running out of time: 1 min
	BackoffBase  time.Duration // first retry delay: 5 s
	BackoffMax   time.Duration // longest retry delay: 10 min
	GiveUpAfter  time.Duration // stop retrying after this long: 24 h
	HTTPTimeout  time.Duration // per call to Twilio: 10 s
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Notifier relays, sends and receives SMS. Its methods are safe for
// concurrent use; Run does the background work.
type Notifier struct {
	cfg    Config
	st     Store
	log    *slog.Logger
	texts  *texts
	sender sender
	owner  string

	wakeRelay    chan struct{}
	wakeDispatch chan struct{}
	wakeTimeouts chan struct{}
}

// Webhook paths, under Config.PublicURL.
const (
	PathSMS    = "/webhooks/twilio/sms"
	PathStatus = "/webhooks/twilio/status"
)

// New checks cfg and builds a Notifier. A broken template or an incomplete
// Twilio configuration is an error.
func New(cfg Config, st Store, logger *slog.Logger) (*Notifier, error) {
	if st == nil {
		return nil, errors.New("notify: no store")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = withDefaults(cfg)
	texts, err := loadTexts(cfg.DeskPhone, cfg.AnswerTimeout)
	if err != nil {
		return nil, err
	}
	n := &Notifier{
		cfg:          cfg,
		st:           st,
		log:          logger.With("component", "notify"),
		texts:        texts,
		owner:        cfg.Instance,
		wakeRelay:    make(chan struct{}, 1),
		wakeDispatch: make(chan struct{}, 1),
		wakeTimeouts: make(chan struct{}, 1),
	}
	switch {
	case cfg.AccountSID == "" && cfg.AuthToken == "":
		n.sender = &logSender{log: n.log, texts: texts}
	case cfg.AccountSID == "" || cfg.AuthToken == "":
		return nil, errors.New("notify: Twilio account SID and auth token go together")
	case cfg.From == "" && cfg.MessagingServiceSID == "":
		return nil, errors.New("notify: with Twilio credentials, set a sender number or a messaging service")
	default:
		s, err := newTwilioSender(cfg)
		if err != nil {
			return nil, err
		}
		n.sender = s
	}
	return n, nil
}

func withDefaults(cfg Config) Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	def(&cfg.Lease, 30*time.Second)
	def(&cfg.PollInterval, time.Second)
	def(&cfg.TimeoutPoll, time.Minute)
	def(&cfg.BackoffBase, 5*time.Second)
	def(&cfg.BackoffMax, 10*time.Minute)
	def(&cfg.GiveUpAfter, 24*time.Hour)
	def(&cfg.HTTPTimeout, 10*time.Second)
	def(&cfg.AnswerTimeout, wijkhelpt.DefaultAnswerTimeout)
	// A claim must outlast a look-up and a send, each bounded by the HTTP
	// timeout, or a second worker could send while the first still waits.
	cfg.Lease = max(cfg.Lease, 3*cfg.HTTPTimeout)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Instance == "" {
		host, _ := os.Hostname()
		var b [3]byte
		_, _ = rand.Read(b[:])
		cfg.Instance = strings.Trim(host+"-"+hex.EncodeToString(b[:]), "-")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	return cfg
}

func (n *Notifier) now() time.Time { return n.cfg.Now() }

// Wake makes the background loops look for work now rather than at their
// next poll, for example right after a confirmation was stored.
func (n *Notifier) Wake() {
	for _, c := range []chan struct{}{n.wakeRelay, n.wakeTimeouts} {
		wake(c)
	}
	n.wakeWorkers()
}

func (n *Notifier) wakeWorkers() { wake(n.wakeDispatch) }

// wake signals c without waiting: one signal pending is enough.
func wake(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Run relays, dispatches and times out until ctx is done, then waits for
// its goroutines. A message being sent when ctx ends is finished and
// recorded first (bounded by the HTTP timeout).
func (n *Notifier) Run(ctx context.Context) error {
	n.log.Info("notifier started", "instance", n.owner, "workers", n.cfg.Workers, "twilio", n.sender.live())
	var wg sync.WaitGroup
	goRun := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	loop := func(name string, wake <-chan struct{}, every time.Duration, step func(context.Context) (bool, error)) {
		goRun(func() { n.loop(ctx, name, wake, every, step) })
	}
	loop("relay", n.wakeRelay, n.cfg.PollInterval, n.relayOnce)
	loop("timeouts", n.wakeTimeouts, n.cfg.TimeoutPoll, n.timeoutsOnce)
	// One look at the queue feeds every worker of this instance.
	d := newDispatcher(n, &wg)
	loop("dispatch", n.wakeDispatch, n.cfg.PollInterval, d.feed)
	for i := 0; i < n.cfg.Workers; i++ {
		goRun(func() { d.work(ctx) })
	}
	<-ctx.Done()
	d.stop()
	wg.Wait()
	n.log.Info("notifier stopped", "instance", n.owner)
	return nil
}

// idleShare is the most of its time an idle loop spends looking for work:
// a look is an indexed query, but a slow one (a store under load, a
// MongoDB far away) should not keep a core busy, so an idle loop waits
// until looking costs no more than a twentieth of its time, but not longer
// than maxIdlePause (or 30 times its interval). Wake ends the wait.
const (
	idleShare    = 20
	maxIdlePause = time.Minute
)

// loop runs step until ctx is done: again at once while it finds work,
// else after a pause of at least `every` (longer when a look is slow, see
// idleShare) or a wake-up. Errors are logged and slow it down.
func (n *Notifier) loop(ctx context.Context, name string, wake <-chan struct{}, every time.Duration, step func(context.Context) (bool, error)) {
	longest := max(30*every, maxIdlePause)
	pause := every
	for ctx.Err() == nil {
		start := time.Now()
		busy, err := step(ctx)
		took := time.Since(start)
		switch {
		case err != nil && ctx.Err() == nil:
			n.log.Error("notify loop failed", "loop", name, "err", err)
			pause = min(2*pause, 30*every)
		case err == nil:
			pause = min(max(every, idleShare*took), longest)
		}
		if busy && err == nil {
			continue
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Opted reports whether the number (E.164) opted out of SMS. Matching uses
// it: volunteers who opted out are only asked when they answer in the portal.
func (n *Notifier) Opted(ctx context.Context, phone string) (bool, error) {
	return n.st.OptedOut(ctx, phone)
}

// Deliveries lists the messages about one request with where their sending
// stands, for the mediator: an undeliverable SMS shows here with Twilio's
// error code.
func (n *Notifier) Deliveries(ctx context.Context, requestID string) ([]wijkhelpt.Delivery, error) {
	ds, err := n.st.FindMessages(ctx, wijkhelpt.DeliveryFilter{RequestID: requestID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := make([]wijkhelpt.Delivery, 0, len(ds))
	for _, d := range ds {
		out = append(out, *d)
	}
	return out, nil
}

// statusCallbackURL is where Twilio reports delivery, or "" without a
// usable public URL.
func statusCallbackURL(public string) string {
	u, err := url.Parse(public)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return public + PathStatus
}

// errorf wraps an error with the notify prefix.
func errorf(format string, args ...any) error { return fmt.Errorf("notify: "+format, args...) }
