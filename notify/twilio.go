package notify

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"wijkhelpt"
)

// sender hands a message to the outside world.
type sender interface {
	// send sends d and returns Twilio's message SID ("" for the log).
	send(ctx context.Context, d *wijkhelpt.Delivery) (string, error)
	// lookup looks for d among the messages Twilio accepted since `since`,
	// skipping SIDs for which taken reports true (they belong to another
	// message with the same text). found is false when it is not there.
	lookup(ctx context.Context, d *wijkhelpt.Delivery, since time.Time, taken func(sid string) bool) (sid string, found bool, err error)
	// live reports whether messages really leave (Twilio) or go to the log.
	live() bool
}

// logSender writes messages to the log, for running without Twilio. Phone
// numbers, addresses and status links are masked.
type logSender struct {
	log   *slog.Logger
	texts *texts
}

func (s *logSender) send(ctx context.Context, d *wijkhelpt.Delivery) (string, error) {
	text, err := s.texts.renderForLog(d.Template, d.Lang, d.Channel, d.Params)
	if err != nil || d.Params == nil {
		text = "[" + d.Template + "]"
	}
	s.log.InfoContext(ctx, "sms written to log", "key", d.Key, "template", d.Template, "lang", d.Lang,
		"to", maskPhone(d.To), "segments", Segments(d.Body), "text", text)
	return "", nil
}

func (s *logSender) lookup(context.Context, *wijkhelpt.Delivery, time.Time, func(string) bool) (string, bool, error) {
	return "", false, nil // the log never loses a message halfway
}

func (s *logSender) live() bool { return false }

// twilioSender sends through Twilio's REST API with the twilio-go client.
type twilioSender struct {
	rc        *twilio.RestClient
	from      string
	service   string
	statusURL string
}

// DefaultAPIBaseURL is Twilio's own REST API.
const DefaultAPIBaseURL = "https://api.twilio.com"

// newTwilioSender builds the client. twilio-go reads TWILIO_* variables from
// the environment whenever it is not given a client of its own, and always
// reads TWILIO_EDGE and TWILIO_REGION; both are shut out here, so that the
// configuration in cmd/wijkhelpt is the only one. Its base URL is fixed, so
// the HTTP client's transport points it elsewhere when APIBaseURL is set.
func newTwilioSender(cfg Config) (*twilioSender, error) {
	base := cfg.APIBaseURL
	if base == "" {
		base = DefaultAPIBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, errorf("Twilio API URL %q: want an http(s) URL", base)
	}
	hc := &http.Client{
		Timeout: cfg.HTTPTimeout,
		// twilio-go's own default: never follow a redirect with credentials.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &rewriteTransport{base: u, next: http.DefaultTransport.(*http.Transport).Clone()},
	}
	c := &client.Client{Credentials: client.NewCredentials(cfg.AccountSID, cfg.AuthToken), HTTPClient: hc,
		// Which instance sent a message, for Twilio's request logs.
		UserAgentExtensions: []string{"wijkhelpt/" + url.PathEscape(cfg.Instance)}}
	c.SetAccountSid(cfg.AccountSID)
	rc := twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
	rc.SetEdge("")
	rc.SetRegion("")
	return &twilioSender{
		rc:        rc,
		from:      cfg.From,
		service:   cfg.MessagingServiceSID,
		statusURL: statusCallbackURL(cfg.PublicURL),
	}, nil
}

// rewriteTransport sends every request to base instead of the host twilio-go
// chose, keeping the path (under base's path) and query.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
}

func (t *rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	out := r.Clone(r.Context())
	out.URL.Scheme = t.base.Scheme
	out.URL.Host = t.base.Host
	out.URL.Path = strings.TrimRight(t.base.Path, "/") + r.URL.Path
	out.URL.RawPath = ""
	out.Host = t.base.Host
	return t.next.RoundTrip(out)
}

func (s *twilioSender) live() bool { return true }

func (s *twilioSender) send(ctx context.Context, d *wijkhelpt.Delivery) (string, error) {
	p := &openapi.CreateMessageParams{}
	p.SetTo(d.To)
	p.SetBody(d.Body)
	if s.service != "" {
		p.SetMessagingServiceSid(s.service)
	}
	if s.from != "" {
		p.SetFrom(s.from)
	}
	// Login codes are kept nowhere, so there is nothing a status could be
	// recorded with.
	if s.statusURL != "" && d.Template != TmplLoginCode {
		p.SetStatusCallback(s.statusURL)
	}
	m, err := s.rc.Api.CreateMessage(p)
	if err != nil {
		return "", err
	}
	if m.Sid == nil || *m.Sid == "" {
		return "", errors.New("twilio accepted a message without a SID")
	}
	return *m.Sid, nil
}

// lookup looks for d among the messages to d.To. It reads the newest page
// of them first, unfiltered, because a message still waiting in Twilio's
// queue has no date_sent and falls outside any DateSent filter. Only when
// there are more messages than that page holds does it also list those
// sent since `since` (filtered on DateSent, however many there are).
func (s *twilioSender) lookup(ctx context.Context, d *wijkhelpt.Delivery, since time.Time, taken func(string) bool) (string, bool, error) {
	np := &openapi.ListMessageParams{}
	np.SetTo(d.To)
	np.SetPageSize(lookupPage)
	recent, err := s.rc.Api.PageMessage(np, "", "")
	if err != nil {
		return "", false, err
	}
	if sid, ok := s.match(recent.Messages, d, since, taken); ok {
		return sid, true, nil
	}
	if recent.NextPageUri == nil || *recent.NextPageUri == "" {
		return "", false, nil // that page held every message to the number
	}
	lp := &openapi.ListMessageParams{}
	lp.SetTo(d.To)
	// Twilio filters DateSent by day in UTC: start a day early to be safe
	// across midnight; the creation time is checked in match.
	lp.SetDateSentAfter(since.UTC().Add(-24 * time.Hour).Truncate(24 * time.Hour))
	lp.SetPageSize(200)
	lp.SetLimit(1000)
	sent, err := s.rc.Api.ListMessage(lp)
	if err != nil {
		return "", false, err
	}
	sid, ok := s.match(sent, d, since, taken)
	return sid, ok, nil
}

// lookupPage is how many of the newest messages to a number a look-up reads
// in its first call.
const lookupPage = 50

// match finds d among messages Twilio listed: the same text, from our
// sender, created since `since`, and not another message's.
func (s *twilioSender) match(ms []openapi.ApiV2010Message, d *wijkhelpt.Delivery, since time.Time, taken func(string) bool) (string, bool) {
	for _, m := range ms {
		if m.Sid == nil || m.Body == nil || *m.Body != d.Body {
			continue
		}
		if s.service == "" && (m.From == nil || *m.From != s.from) {
			continue
		}
		if s.service != "" && (m.MessagingServiceSid == nil || *m.MessagingServiceSid != s.service) {
			continue
		}
		if m.DateCreated != nil {
			if at, err := time.Parse(time.RFC1123Z, *m.DateCreated); err == nil && at.Before(since) {
				continue
			}
		}
		if taken(*m.Sid) {
			continue
		}
		return *m.Sid, true
	}
	return "", false
}

// outcome is what became of one send.
type outcome int

const (
	outcomeSent      outcome = iota
	outcomeRetry             // nothing was sent: try again later
	outcomeUnsure            // it may have been sent: look it up before trying again
	outcomePermanent         // it will never go: record it for the mediator
)

// classify sorts a send error. Rate limits and authentication trouble
// (which an operator fixes) are retried; Twilio's 5xx, timeouts and broken
// connections may hide an accepted message; any other 4xx is the message's
// own fault (an invalid number 21211, an opted-out recipient 21610) and
// will not get better.
func classify(err error) (outcome, int) {
	if err == nil {
		return outcomeSent, 0
	}
	var te *client.TwilioRestError
	if errors.As(err, &te) {
		switch {
		case te.Status == http.StatusTooManyRequests:
			return outcomeRetry, te.Code
		case te.Status >= 500:
			return outcomeUnsure, te.Code
		case te.Status == http.StatusUnauthorized || te.Status == http.StatusForbidden || te.Code == 20003:
			return outcomeRetry, te.Code
		case te.Status >= 400:
			return outcomePermanent, te.Code
		}
	}
	return outcomeUnsure, 0
}

// Twilio error codes with a meaning of their own here.
const (
	codeInvalidNumber = 21211
	codeOptedOut      = 21610
)
