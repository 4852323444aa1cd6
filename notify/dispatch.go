package notify

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"wijkhelpt"
)

// dispatchBatch is how many due messages one look at the queue returns,
// per worker, and how many wait in the workers' queue: enough to keep the
// workers busy between two looks, and to let the workers of several
// instances mostly take different messages (they are queued in random
// order).
const dispatchBatch = 32

// clockSkew is how far the clocks of two instances (and Twilio's) may
// disagree; look-ups at Twilio start this much before the first attempt.
const clockSkew = 10 * time.Minute

// saveTimeout bounds recording the outcome of a send after Run was told to
// stop: a message that went out must not be left looking unsent.
const saveTimeout = 5 * time.Second

// dispatcher hands due messages to the workers of one instance. Each
// worker claims its message in the store before doing anything, so the
// workers of other instances, reading the same queue, never handle it at
// the same time; inflight only keeps this instance from handing out a
// message it is still working on, or has scheduled to try again.
//
// A message that has to wait a little before its next try (a rate limit,
// an unclear send) is kept here and handed out again when it is due,
// rather than found by the next look at the queue, which may be a while
// away on an idle instance. Should this instance stop first, the message
// is still in the queue for whoever looks next.
type dispatcher struct {
	n    *Notifier
	jobs chan *wijkhelpt.Delivery
	wg   *sync.WaitGroup // Run's: the retry timers are Run's goroutines too

	mu       sync.Mutex
	inflight map[string]bool
	timers   map[string]*time.Timer
	stopped  bool
}

func newDispatcher(n *Notifier, wg *sync.WaitGroup) *dispatcher {
	return &dispatcher{n: n, jobs: make(chan *wijkhelpt.Delivery, dispatchBatch*n.cfg.Workers), wg: wg,
		inflight: map[string]bool{}, timers: map[string]*time.Timer{}}
}

// feed looks at the queue once and puts every due message that is not
// already being worked on in the workers' queue, as far as it has room.
// The workers ask for the next look when their queue runs dry, so feed
// never reports itself busy; its loop's pause only matters when idle.
func (d *dispatcher) feed(ctx context.Context) (bool, error) {
	n := d.n
	due, err := n.st.DueMessages(ctx, n.now(), cap(d.jobs))
	if err != nil {
		return false, err
	}
	// The workers of every instance read the same queue: starting at
	// different places keeps them from all racing for the same message.
	rand.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
	for _, m := range due {
		d.mu.Lock()
		busy := d.inflight[m.Key]
		if !busy {
			d.inflight[m.Key] = true
		}
		d.mu.Unlock()
		if busy {
			continue
		}
		select {
		case d.jobs <- m:
		default: // full: the rest waits for the next look
			d.done(m.Key)
			return false, nil
		}
	}
	return false, nil
}

func (d *dispatcher) done(key string) {
	d.mu.Lock()
	delete(d.inflight, key)
	d.mu.Unlock()
}

// work claims and handles the messages it is handed until ctx is done.
func (d *dispatcher) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case m := <-d.jobs:
			if len(d.jobs) == 0 {
				d.n.wakeWorkers() // time for the next look at the queue
			}
			next, err := d.n.claimAndProcess(ctx, m)
			if err != nil && ctx.Err() == nil {
				d.n.log.Error("message not claimed", "key", m.Key, "err", err)
			}
			if next == nil || !d.later(ctx, next) {
				d.done(m.Key)
			}
		}
	}
}

// later hands m to a worker again when it is due, if that is soon, and
// reports whether it will.
func (d *dispatcher) later(ctx context.Context, m *wijkhelpt.Delivery) bool {
	wait := m.DueAt.Sub(d.n.now())
	if wait > max(30*d.n.cfg.PollInterval, maxIdlePause) {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return false
	}
	d.wg.Add(1)
	d.timers[m.Key] = time.AfterFunc(max(wait, 0), func() {
		defer d.wg.Done()
		d.mu.Lock()
		delete(d.timers, m.Key)
		d.mu.Unlock()
		select {
		case d.jobs <- m:
		case <-ctx.Done():
			d.done(m.Key)
		}
	})
	return true
}

// stop cancels the retries that are waiting; the queue keeps them.
func (d *dispatcher) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopped = true
	for key, t := range d.timers {
		if t.Stop() {
			d.wg.Done()
		}
		delete(d.timers, key)
	}
}

// claimAndProcess claims a message the queue showed as due and takes it a
// step further. Someone else holding or having finished it is no error.
// It returns the message as saved when it is still open (to be tried
// again), else nil.
func (n *Notifier) claimAndProcess(ctx context.Context, m *wijkhelpt.Delivery) (*wijkhelpt.Delivery, error) {
	now := n.now()
	claimed, prev, err := n.st.ClaimMessage(ctx, m.Key, m.Epoch, n.owner, now, now.Add(n.cfg.Lease))
	switch wijkhelpt.ErrorCodeOf(err) {
	case "":
	case wijkhelpt.ErrConflict, wijkhelpt.ErrNotFound:
		return nil, nil // another worker has it, or finished it
	default:
		return nil, err
	}
	if !n.process(ctx, claimed, prev) || !claimed.State.Open() {
		return nil, nil
	}
	return claimed, nil
}

// process takes a claimed message one step further and records the
// result. It reports whether the result was saved.
func (n *Notifier) process(ctx context.Context, d *wijkhelpt.Delivery, prev wijkhelpt.DeliveryState) bool {
	leaseEnd := d.LeaseUntil
	n.attempt(ctx, d, prev, leaseEnd)
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	// A failure is shown to the mediator before the message is final: once
	// it is, nobody looks at it again, so a failure recorded only afterwards
	// would be lost with a crash in between (and would race anyone who
	// reads the request as soon as the message is done).
	if d.State == wijkhelpt.DeliveryFailed {
		if err := n.recordFailure(saveCtx, d); err != nil {
			n.log.Error("failed sms not shown to mediator, will try again", "key", d.Key, "err", err)
			n.again(d, wijkhelpt.DeliveryRetry, n.now(), d.Attempts+1)
		}
	}
	d.LeaseOwner = ""
	d.LeaseUntil = time.Time{}
	d.UpdatedAt = n.now()
	if err := n.st.SaveMessage(saveCtx, d); err != nil {
		// The lease ran out and someone else took over (or the store is
		// away): the next claim sees "sending" and looks at Twilio first.
		n.log.Warn("message outcome not saved", "key", d.Key, "state", d.State, "err", err)
		return false
	}
	return true
}

// attempt decides what to do with a claimed message and does it, leaving
// the outcome in d.
func (n *Notifier) attempt(ctx context.Context, d *wijkhelpt.Delivery, prev wijkhelpt.DeliveryState, leaseEnd time.Time) {
	now := n.now()
	// A claim of a message that was being sent, or whose send ended without
	// an answer, must first find out whether Twilio has it.
	if (prev == wijkhelpt.DeliverySending || prev == wijkhelpt.DeliveryUnsure) && n.sender.live() {
		sid, found, err := n.sender.lookup(ctx, d, n.lookupSince(d), func(sid string) bool { return n.sidTaken(ctx, sid, d.Key) })
		if err != nil {
			n.log.Warn("sms look-up failed", "key", d.Key, "err", err)
			n.again(d, wijkhelpt.DeliveryUnsure, now, d.Attempts+1)
			return
		}
		if found {
			n.log.Info("sms found at twilio after an unclear send", "key", d.Key)
			n.sent(d, sid, now)
			return
		}
	}
	if d.RequestID != "" {
		r, err := n.st.FindRequest(ctx, d.RequestID)
		switch {
		case wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound:
			n.skip(d, "not_wanted", now)
			return
		case err != nil:
			n.log.Warn("request of message not read", "key", d.Key, "err", err)
			n.again(d, wijkhelpt.DeliveryRetry, now, d.Attempts+1)
			return
		case !r.MessageStillWanted(d.Key):
			n.skip(d, "not_wanted", now)
			return
		}
	}
	if d.Channel == wijkhelpt.ChannelCallback {
		d.State = wijkhelpt.DeliveryCallback
		n.log.Info("call-back task created", "key", d.Key, "template", d.Template)
		return
	}
	if d.To == "" {
		d.State, d.Reason = wijkhelpt.DeliveryFailed, "no_phone"
		return
	}
	if !exemptFromOptOut(d.Template) {
		out, err := n.st.OptedOut(ctx, d.To)
		if err != nil {
			n.log.Warn("opt-out not read", "key", d.Key, "err", err)
			n.again(d, wijkhelpt.DeliveryRetry, now, d.Attempts+1)
			return
		}
		if out {
			n.skip(d, "opted_out", now)
			return
		}
	}
	// Never start a send that could outlive the lease: after it, another
	// worker may take the message and would not see this send yet.
	if n.now().Add(n.cfg.HTTPTimeout + time.Second).After(leaseEnd) {
		n.again(d, wijkhelpt.DeliveryRetry, now, 0)
		d.DueAt = now
		return
	}
	if d.FirstTryAt == nil {
		d.FirstTryAt = &now
	}
	d.Attempts++
	sid, err := n.sender.send(ctx, d)
	out, code := classify(err)
	now = n.now()
	switch out {
	case outcomeSent:
		n.sent(d, sid, now)
	case outcomeRetry:
		n.log.Warn("sms not accepted, will retry", "key", d.Key, "attempt", d.Attempts, "code", code, "err", err)
		n.again(d, wijkhelpt.DeliveryRetry, now, d.Attempts)
	case outcomeUnsure:
		n.log.Warn("sms send unclear, will look it up", "key", d.Key, "attempt", d.Attempts, "code", code, "err", err)
		n.again(d, wijkhelpt.DeliveryUnsure, now, d.Attempts)
	case outcomePermanent:
		n.log.Warn("sms undeliverable", "key", d.Key, "template", d.Template, "code", code)
		d.State, d.ErrorCode, d.Reason = wijkhelpt.DeliveryFailed, code, strconv.Itoa(code)
	}
}

// exemptFromOptOut lists the answers a number gets even after STOP: the
// confirmation of the STOP itself and the answer to INFO/HELP.
func exemptFromOptOut(template string) bool {
	return template == TmplReplyStopped || template == TmplReplyHelp
}

func (n *Notifier) sent(d *wijkhelpt.Delivery, sid string, now time.Time) {
	d.State, d.SID, d.SentAt, d.Reason, d.ErrorCode = wijkhelpt.DeliverySent, sid, &now, "", 0
}

func (n *Notifier) skip(d *wijkhelpt.Delivery, reason string, now time.Time) {
	d.State, d.Reason = wijkhelpt.DeliverySkipped, reason
	n.log.Info("sms skipped", "key", d.Key, "template", d.Template, "reason", reason)
}

// again puts a message back in the queue after a backoff that grows with
// the attempts (capped, with jitter), or gives up when it has been trying
// for too long.
func (n *Notifier) again(d *wijkhelpt.Delivery, state wijkhelpt.DeliveryState, now time.Time, attempts int) {
	if d.FirstTryAt != nil && now.Sub(*d.FirstTryAt) > n.cfg.GiveUpAfter {
		d.State, d.Reason = wijkhelpt.DeliveryFailed, "gave_up"
		if state == wijkhelpt.DeliveryUnsure {
			d.Reason = "gave_up_unsure"
		}
		return
	}
	d.State = state
	d.DueAt = now.Add(n.backoff(attempts))
}

// backoff is "equal jitter": half the exponential delay fixed, half random,
// so that instances that failed together do not retry together.
func (n *Notifier) backoff(attempts int) time.Duration {
	if attempts <= 0 {
		return 0
	}
	d := n.cfg.BackoffBase
	for i := 1; i < attempts && d < n.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, n.cfg.BackoffMax)
	return d/2 + rand.N(d/2+1)
}

// lookupSince is the earliest moment a previous attempt can have reached
// Twilio.
func (n *Notifier) lookupSince(d *wijkhelpt.Delivery) time.Time {
	since := d.CreatedAt
	if d.FirstTryAt != nil && d.FirstTryAt.After(since) {
		since = *d.FirstTryAt
	}
	return since.Add(-clockSkew)
}

// sidTaken reports whether a Twilio message already belongs to another of
// our messages (two messages with the same text to the same number).
func (n *Notifier) sidTaken(ctx context.Context, sid, key string) bool {
	other, err := n.st.FindMessageBySID(ctx, sid)
	return err == nil && other.Key != key
}

// recordFailure makes a permanent failure visible: the mediator sees the
// request again, and a number Twilio says opted out is opted out here too.
func (n *Notifier) recordFailure(ctx context.Context, d *wijkhelpt.Delivery) error {
	now := n.now()
	if d.ErrorCode == codeOptedOut {
		if err := n.st.SetOptOut(ctx, d.To, true, now); err != nil {
			return err
		}
	}
	if d.RequestID == "" {
		return nil
	}
	_, err := n.st.UpdateRequest(ctx, d.RequestID, func(r *wijkhelpt.Request) error {
		if !r.Live() {
			return errSkip
		}
		r.NeedsAttention = NeedsAttentionSMS
		r.UpdatedAt = now
		return nil
	})
	if err != nil && !errors.Is(err, errSkip) && wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound {
		return err
	}
	return nil
}

// NeedsAttentionSMS is the request's NeedsAttention value after an SMS about
// it could not be delivered.
const NeedsAttentionSMS = "sms_failed"

// errSkip ends an UpdateRequest without writing.
var errSkip = errors.New("notify: nothing to change")
