package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/twilio/twilio-go/client"

	"wijkhelpt"
)

// Login codes.
//
// A volunteer may log in to the portal with a one-time code sent by SMS.
// That code does not go through a request's outbox: it belongs to no
// request, it is worth something for minutes only, and the messages
// collection keeps every body it sends, which would keep the code readable.
// So it is sent at once, tried once (a volunteer who gets nothing asks for
// a new code, which the portal rate-limits), and nothing is stored about it
// here. Neither the code nor the full number ever reaches the log.

// SendLoginCode sends code to the mobile number to (E.164) in lang ("nl"
// or "en"), saying that it is valid for `valid`. A number that opted out
// gets nothing: the answer is then an ErrConflict *wijkhelpt.Error, as it is
// when Twilio reports that the recipient unsubscribed (which is recorded as
// an opt-out, as for every other message). Other errors say what Twilio
// answered without its text, which may hold the number.
func (n *Notifier) SendLoginCode(ctx context.Context, to, lang, code string, valid time.Duration) error {
	out, err := n.st.OptedOut(ctx, to)
	if err != nil {
		return err
	}
	if out {
		n.log.InfoContext(ctx, "login code not sent", "reason", "opted_out")
		return errLoginOptedOut()
	}
	minutes := max(1, int(valid.Round(time.Minute)/time.Minute))
	params := map[string]string{"otp": code, "minutes": strconv.Itoa(minutes)}
	body, err := n.texts.render(TmplLoginCode, lang, wijkhelpt.ChannelSMS, params)
	if err != nil {
		return err
	}
	var id [6]byte
	_, _ = rand.Read(id[:])
	now := n.now()
	d := &wijkhelpt.Delivery{
		Key:       loginKeyPrefix + hex.EncodeToString(id[:]),
		Channel:   wijkhelpt.ChannelSMS,
		To:        to,
		Template:  TmplLoginCode,
		Lang:      lang,
		Params:    params,
		Body:      body,
		DueAt:     now,
		State:     wijkhelpt.DeliverySending,
		CreatedAt: now,
		UpdatedAt: now,
	}
	sid, err := n.sender.send(ctx, d)
	if err == nil {
		n.log.InfoContext(ctx, "login code sent", "key", d.Key, "to", maskPhone(to), "sid", sid)
		return nil
	}
	var te *client.TwilioRestError
	if !errors.As(err, &te) {
		// A network error names Twilio's URL, never the number.
		return errorf("send login code %s: %w", d.Key, err)
	}
	if te.Code == codeOptedOut {
		if err := n.st.SetOptOut(ctx, to, true, now); err != nil {
			return err
		}
		n.log.InfoContext(ctx, "login code not sent", "key", d.Key, "reason", "opted_out_at_twilio")
		return errLoginOptedOut()
	}
	return errorf("send login code %s: Twilio answered status %d, code %d", d.Key, te.Status, te.Code)
}

// loginKeyPrefix starts the key of a login code message; the key only
// names the message in the log.
const loginKeyPrefix = "login:"

func errLoginOptedOut() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T("Dit nummer krijgt geen sms van ons.", "This number gets no text messages from us."))
}
