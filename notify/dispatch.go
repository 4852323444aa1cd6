package notify

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"time"

	"wijkhelpt"
)

// dispatchBatch is how many due messages one look at the queue returns.
const dispatchBatch = 16

// clockSkew is how far the clocks of two instances (and Twilio's) may
// disagree; look-ups at Twilio start this much before the first attempt.
const clockSkew = 10 * time.Minute

// saveTimeout bounds recording the outcome of a send after Run was told to
// stop: a message that went out must not be left looking unsent.
const saveTimeout = 5 * time.Second

// dispatchOnce claims and handles due messages, one at a time, and reports
// whether it handled any.
func (n *Notifier) dispatchOnce(ctx context.Context) (bool, error) {
	due, err := n.st.DueMessages(ctx, n.now(), dispatchBatch)
	if err != nil {
		return false, err
	}
	// Workers of every instance read the same queue: starting at different
	// places keeps them from all racing for the same message.
	rand.Shuffle(len(due), func(i, j int) { due[i], due[j] = due[j], due[i] })
	handled := false
	for _, d := range due {
		if ctx.Err() != nil {
			break
		}
		now := n.now()
		claimed, prev, err := n.st.ClaimMessage(ctx, d.Key, d.Epoch, n.owner, now, now.Add(n.cfg.Lease))
		if err != nil {
			if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrConflict || wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
				continue // another worker has it, or finished it
			}
			return handled, err
		}
		n.process(ctx, claimed, prev)
		handled = true
	}
	return handled, nil
}

// process takes a claimed message one step further and records the result.
func (n *Notifier) process(ctx context.Context, d *wijkhelpt.Delivery, prev wijkhelpt.DeliveryState) {
	leaseEnd := d.LeaseUntil
	n.attempt(ctx, d, prev, leaseEnd)
	d.LeaseOwner = ""
	d.LeaseUntil = time.Time{}
	d.UpdatedAt = n.now()
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	if err := n.st.SaveMessage(saveCtx, d); err != nil {
		// The lease ran out and someone else took over (or the store is
		// away): the next claim sees "sending" and looks at Twilio first.
		n.log.Warn("message outcome not saved", "key", d.Key, "state", d.State, "err", err)
		return
	}
	if d.State == wijkhelpt.DeliveryFailed {
		n.recordFailure(saveCtx, d)
	}
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
func (n *Notifier) recordFailure(ctx context.Context, d *wijkhelpt.Delivery) {
	now := n.now()
	if d.ErrorCode == codeOptedOut {
		if err := n.st.SetOptOut(ctx, d.To, true, now); err != nil {
			n.log.Error("opt-out from twilio not recorded", "key", d.Key, "err", err)
		}
	}
	if d.RequestID == "" {
		return
	}
	_, err := n.st.UpdateRequest(ctx, d.RequestID, func(r *wijkhelpt.Request) error {
		if !r.Live() {
			return errSkip
		}
		r.NeedsAttention = NeedsAttentionSMS
		r.UpdatedAt = now
		return nil
	})
	if err != nil && !errors.Is(err, errSkip) {
		n.log.Error("failed sms not shown to mediator", "key", d.Key, "err", err)
	}
}

// NeedsAttentionSMS is the request's NeedsAttention value after an SMS about
// it could not be delivered.
const NeedsAttentionSMS = "sms_failed"

// errSkip ends an UpdateRequest without writing.
var errSkip = errors.New("notify: nothing to change")
