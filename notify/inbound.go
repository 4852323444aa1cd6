package notify

import (
	"context"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"

	"wijkhelpt"
)

// emptyTwiML answers a webhook without a message: replies go out through
// the outbox like every other SMS (opt-out checked, retried, sent once).
const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// inboundLease is how long one instance may take to handle an inbound SMS
// before a retry of the same webhook may take over.
const inboundLease = 30 * time.Second

// validSignature checks X-Twilio-Signature with Twilio's own validator:
// the HMAC-SHA1 of the full URL Twilio called plus the sorted POST
// parameters, keyed with the auth token. Without an auth token nothing is
// valid: there is no Twilio to call us.
func (n *Notifier) validSignature(fullURL string, form url.Values, signature string) bool {
	if n.cfg.AuthToken == "" || signature == "" || fullURL == "" {
		return false
	}
	params := make(map[string]string, len(form))
	for k, v := range form {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	v := client.NewRequestValidator(n.cfg.AuthToken)
	return v.Validate(fullURL, params, signature)
}

// HandleSMS handles an inbound SMS webhook (POST /webhooks/twilio/sms).
// fullURL is the URL Twilio called, as configured there: the public URL
// plus path and any query. A bad signature is a *wijkhelpt.Error with code
// ErrForbidden and changes nothing. The same webhook delivered twice (Twilio
// retries) has its effect once. The answer is a TwiML document to return as
// text/xml; it never holds a message, because replies are sent through the
// outbox.
func (n *Notifier) HandleSMS(ctx context.Context, fullURL string, form url.Values, signature string) (string, error) {
	if !n.validSignature(fullURL, form, signature) {
		return "", wijkhelpt.Forbidden()
	}
	sid := messageSID(form)
	from := strings.TrimSpace(form.Get("From"))
	if sid == "" || from == "" {
		return "", wijkhelpt.Invalid("MessageSid", wijkhelpt.T("Bericht zonder kenmerk of afzender.", "Message without SID or sender."))
	}
	now := n.now()
	claimed, err := n.st.ClaimInbound(ctx, "sms:"+sid, n.owner, now, now.Add(inboundLease))
	if err != nil {
		return "", err
	}
	if !claimed {
		n.log.Info("inbound sms repeated", "sid", sid)
		return emptyTwiML, nil
	}
	if err := n.handleInbound(ctx, sid, from, form.Get("Body"), now); err != nil {
		return "", err // the claim runs out; Twilio's retry handles it again
	}
	if err := n.st.FinishInbound(ctx, "sms:"+sid, n.now()); err != nil {
		return "", err
	}
	n.wakeWorkers()
	return emptyTwiML, nil
}

// handleInbound acts on one inbound SMS. Every effect goes through the
// store's conditional updates, so a second handling after a crash in the
// middle is refused rather than doubled.
func (n *Notifier) handleInbound(ctx context.Context, sid, from, body string, now time.Time) error {
	rep := ParseReply(body)
	n.log.Info("inbound sms", "sid", sid, "from", maskPhone(from), "kind", rep.Kind.String(), "has_code", rep.Code != "")
	reply := func(tmpl string, params map[string]string) error {
		return n.queueReply(ctx, sid, from, rep.Lang, tmpl, params, now)
	}
	switch rep.Kind {
	case ReplyStop:
		// First the opt-out, then the confirmation: nothing queued after
		// this moment reaches the number.
		if err := n.st.SetOptOut(ctx, from, true, now); err != nil {
			return err
		}
		return reply(TmplReplyStopped, nil)
	case ReplyStart:
		if err := n.st.SetOptOut(ctx, from, false, now); err != nil {
			return err
		}
		return reply(TmplReplyStarted, nil)
	case ReplyHelp:
		return reply(TmplReplyHelp, nil)
	}
	out, err := n.st.OptedOut(ctx, from)
	if err != nil {
		return err
	}
	if out {
		// Twilio treats YES as opting back in; so do we. Anything else from
		// an opted-out number changes nothing and gets no answer.
		if rep.OptIn {
			if err := n.st.SetOptOut(ctx, from, false, now); err != nil {
				return err
			}
			return reply(TmplReplyStarted, nil)
		}
		return nil
	}
	switch rep.Kind {
	case ReplyYes, ReplyNo:
		tmpl, params, err := n.answerProposal(ctx, from, rep, now)
		if err != nil {
			return err
		}
		if tmpl == "" {
			return nil // a JA: the details message is the answer
		}
		return reply(tmpl, params)
	case ReplyDone, ReplyNotDone:
		tmpl, err := n.answerFollowUp(ctx, from, rep.Kind == ReplyDone, now)
		if err != nil {
			return err
		}
		return reply(tmpl, nil)
	}
	return reply(TmplReplyUnknown, nil)
}

// question is a proposal asked to a number.
type question struct {
	requestID string
	match     wijkhelpt.Match
}

// questionsFor finds every proposal ever asked to the number: open ones
// (still "proposed") first, newest first.
func (n *Notifier) questionsFor(ctx context.Context, phone string) ([]question, error) {
	offers, err := n.st.FindOffers(ctx, wijkhelpt.OfferFilter{Phone: phone, Limit: 100})
	if err != nil {
		return nil, err
	}
	var out []question
	seen := map[string]bool{}
	for _, o := range offers {
		after := ""
		for {
			reqs, err := n.st.FindRequests(ctx, wijkhelpt.RequestFilter{OfferID: o.ID, After: after, Limit: 500})
			if err != nil {
				return nil, err
			}
			for _, r := range reqs {
				for _, m := range r.Matches {
					if m.OfferID == o.ID && m.Phone == phone && !seen[m.ID] {
						seen[m.ID] = true
						out = append(out, question{requestID: r.ID, match: m})
					}
				}
			}
			if len(reqs) < 500 {
				break
			}
			after = reqs[len(reqs)-1].ID
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		oi, oj := out[i].match.Status == wijkhelpt.MatchProposed, out[j].match.Status == wijkhelpt.MatchProposed
		if oi != oj {
			return oi
		}
		return out[i].match.ProposedAt.After(out[j].match.ProposedAt)
	})
	return out, nil
}

// answerProposal applies a JA or NEE to the question it answers: the one
// with the code given, or the only open one. It returns the reply template
// ("" for none) and its parameters.
func (n *Notifier) answerProposal(ctx context.Context, from string, rep Reply, now time.Time) (string, map[string]string, error) {
	qs, err := n.questionsFor(ctx, from)
	if err != nil {
		return "", nil, err
	}
	var open []question
	for _, q := range qs {
		if q.match.Status == wijkhelpt.MatchProposed {
			open = append(open, q)
		}
	}
	var target *question
	switch {
	case rep.Code != "":
		for i := range qs {
			if qs[i].match.Code == rep.Code {
				target = &qs[i]
				break
			}
		}
		if target == nil {
			return TmplReplyUnknownCode, map[string]string{"code": rep.Code}, nil
		}
	case len(open) == 1:
		target = &open[0]
	case len(open) == 0:
		return TmplReplyNoQuestion, nil, nil
	default:
		codes := make([]string, 0, len(open))
		for _, q := range open {
			codes = append(codes, q.match.Code)
		}
		return TmplReplyWhich, map[string]string{"codes": strings.Join(codes, ", ")}, nil
	}
	if target.match.Status != wijkhelpt.MatchProposed {
		return TmplReplyClosed, nil, nil
	}
	by := wijkhelpt.SMSActor(target.match.OfferID)
	_, err = n.st.UpdateRequest(ctx, target.requestID, func(r *wijkhelpt.Request) error {
		if rep.Kind == ReplyYes {
			return r.Accept(target.match.ID, by, now)
		}
		return r.Decline(target.match.ID, by, now, false)
	})
	switch wijkhelpt.ErrorCodeOf(err) {
	case "":
	case wijkhelpt.ErrConflict, wijkhelpt.ErrNotFound:
		// Someone else said JA first, the mediator withdrew it, or it
		// timed out a moment ago.
		return TmplReplyClosed, nil, nil
	default:
		return "", nil, err
	}
	n.log.Info("proposal answered by sms", "request_id", target.requestID, "match_id", target.match.ID, "yes", rep.Kind == ReplyYes)
	n.Wake()
	if rep.Kind == ReplyYes {
		return "", nil, nil
	}
	return TmplReplyDeclined, nil, nil
}

// answerFollowUp records a resident's 1 or 2 on the request whose follow-up
// question went to this number most recently and is still unanswered.
func (n *Notifier) answerFollowUp(ctx context.Context, from string, success bool, now time.Time) (string, error) {
	reqs, err := n.st.FindRequests(ctx, wijkhelpt.RequestFilter{Phone: from,
		Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestMatched, wijkhelpt.RequestDone}, Limit: 500})
	if err != nil {
		return "", err
	}
	var best *wijkhelpt.Request
	var bestAt time.Time
	for _, r := range reqs {
		if r.FollowUp != nil {
			continue
		}
		for _, m := range r.Outbox {
			if m.Template != wijkhelpt.TmplResidentFollowUp || !m.Relayed {
				continue
			}
			d, err := n.st.FindMessage(ctx, m.Key)
			if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
				continue
			}
			if err != nil {
				return "", err
			}
			if d.State != wijkhelpt.DeliverySent || d.SentAt == nil {
				continue
			}
			if best == nil || d.SentAt.After(bestAt) {
				best, bestAt = r, *d.SentAt
			}
		}
	}
	if best == nil {
		return TmplReplyNoQuestion, nil
	}
	_, err = n.st.UpdateRequest(ctx, best.ID, func(r *wijkhelpt.Request) error {
		if r.FollowUp != nil {
			return wijkhelpt.Conflict(wijkhelpt.T("Al beantwoord.", "Already answered."))
		}
		return r.RecordFollowUp(success, wijkhelpt.ActorResident, now)
	})
	switch wijkhelpt.ErrorCodeOf(err) {
	case "":
	case wijkhelpt.ErrConflict:
		return TmplReplyClosed, nil
	default:
		return "", err
	}
	n.log.Info("follow-up answered by sms", "request_id", best.ID, "success", success)
	if success {
		return TmplReplyThanks, nil
	}
	return TmplReplyNotDone, nil
}

// queueReply puts the answer to an inbound SMS in the messages collection,
// keyed by the inbound SID: handling the same SMS again queues nothing new.
func (n *Notifier) queueReply(ctx context.Context, sid, to, lang, tmpl string, params map[string]string, now time.Time) error {
	if params == nil {
		params = map[string]string{}
	}
	d := &wijkhelpt.Delivery{
		Key:       "in:" + sid + ":reply",
		Channel:   wijkhelpt.ChannelSMS,
		To:        to,
		Template:  tmpl,
		Lang:      lang,
		Params:    params,
		DueAt:     now,
		State:     wijkhelpt.DeliveryPending,
		CreatedAt: now,
		UpdatedAt: now,
	}
	body, err := n.texts.render(tmpl, lang, d.Channel, params)
	if err != nil {
		return err
	}
	d.Body = body
	_, err = n.st.InsertMessage(ctx, d)
	return err
}

// HandleStatus handles a delivery status callback (POST
// /webhooks/twilio/status), checked like HandleSMS. A message Twilio could
// not deliver is shown to the mediator; error 21610 (the number opted out
// at Twilio) opts the number out here too. A repeated callback changes
// nothing.
func (n *Notifier) HandleStatus(ctx context.Context, fullURL string, form url.Values, signature string) error {
	if !n.validSignature(fullURL, form, signature) {
		return wijkhelpt.Forbidden()
	}
	sid := messageSID(form)
	status := strings.ToLower(form.Get("MessageStatus"))
	if status == "" {
		status = strings.ToLower(form.Get("SmsStatus"))
	}
	code, _ := strconv.Atoi(form.Get("ErrorCode"))
	now := n.now()
	first, err := n.st.RecordMessageStatus(ctx, sid, status, code, now)
	if err != nil || !first {
		return err
	}
	if status != "failed" && status != "undelivered" {
		return nil
	}
	d, err := n.st.FindMessageBySID(ctx, sid)
	if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
		return nil // not ours, or from before a restore
	}
	if err != nil {
		return err
	}
	n.log.Warn("sms not delivered", "key", d.Key, "template", d.Template, "status", status, "code", code)
	d.ErrorCode = code
	return n.recordFailure(ctx, d)
}

// messageSID is the SID of the message a webhook is about: MessageSid, or
// SmsSid, the older name Twilio still sends.
func messageSID(form url.Values) string {
	if sid := form.Get("MessageSid"); sid != "" {
		return sid
	}
	return form.Get("SmsSid")
}
