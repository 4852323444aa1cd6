// Package twiliotest is a local stand-in for the part of Twilio's REST API
// that WijkHelpt uses: creating and listing Messages. It speaks Twilio's
// JSON shapes, checks Basic auth, and can misbehave on purpose (rate limits,
// server errors, connections dropped after a message was accepted) so that
// tests can drive the real twilio-go client through every failure the
// notify package must survive. It also builds and signs the webhooks Twilio
// would send (inbound SMS and status callbacks) with Twilio's signature
// scheme.
package twiliotest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test credentials the double accepts unless others are given. They look
// like Twilio's (AC + 32 hex, 32 hex), which twilio-go insists on.
const (
	AccountSID = "AC0123456789abcdef0123456789abcdef"
	AuthToken  = "0123456789abcdef0123456789abcdef"
	FromNumber = "+3197010000000"
)

// Message is one message the double accepted.
type Message struct {
	SID                 string
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
	StatusCallback      string
	Created             time.Time
	// UserAgent is the client's User-Agent header, which tells which
	// instance sent the message.
	UserAgent string
}

// Fault is what the double does to one API call instead of (or after)
// answering it normally. The zero Fault answers normally.
type Fault struct {
	// Status and Code, when Status is set, answer with Twilio's error JSON.
	Status int
	Code   int
	// AfterAccept applies the fault after the message was stored: Twilio
	// has it, but the client does not learn so.
	AfterAccept bool
	// Drop closes the connection without an answer.
	Drop bool
	// Delay waits this long before answering (or dropping), so that a
	// client with a shorter timeout gives up.
	Delay time.Duration
}

// Common faults.
var (
	TooManyRequests = Fault{Status: 429, Code: 20429}
	ServerError     = Fault{Status: 500, Code: 20500}
	Unavailable     = Fault{Status: 503, Code: 20503}
	// DropAfterAccept stores the message and closes the connection: the
	// sender cannot know whether it went out.
	DropAfterAccept = Fault{Drop: true, AfterAccept: true}
	// ErrorAfterAccept stores the message and still answers 500.
	ErrorAfterAccept = Fault{Status: 500, Code: 20500, AfterAccept: true}
)

// Call is one API call as the fault function sees it.
type Call struct {
	N      int    // 1 for the first call the double served
	Method string // GET or POST
	Path   string
	To     string // the To parameter, for sends and list filters
}

// FaultFunc chooses the fault for a call.
type FaultFunc func(Call) Fault

// Random returns a FaultFunc that, with probability p, picks one of faults
// (uniformly); seed makes the sequence repeatable.
func Random(seed uint64, p float64, faults ...Fault) FaultFunc {
	r := mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var mu sync.Mutex
	return func(Call) Fault {
		mu.Lock()
		defer mu.Unlock()
		if len(faults) == 0 || r.Float64() >= p {
			return Fault{}
		}
		return faults[r.IntN(len(faults))]
	}
}

// Server is the double. Create it with New; it stops when the test ends.
type Server struct {
	// URL is the base URL to give the client instead of https://api.twilio.com.
	URL        string
	AccountSID string
	AuthToken  string

	srv       *httptest.Server
	now       func() time.Time
	sendDelay time.Duration

	mu       sync.Mutex
	msgs     []*Message
	calls    int
	faults   FaultFunc
	rejected map[string]int
	faulted  map[string]int
}

// Option changes a Server.
type Option func(*Server)

// WithClock makes the double date its messages with now instead of time.Now.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithSendDelay keeps each message "queued" (no date_sent, left out of
// lists filtered on DateSent) for d after it was accepted, as Twilio does
// while a message waits in its queue.
func WithSendDelay(d time.Duration) Option { return func(s *Server) { s.sendDelay = d } }

// WithCredentials makes the double accept other credentials.
func WithCredentials(accountSID, authToken string) Option {
	return func(s *Server) { s.AccountSID, s.AuthToken = accountSID, authToken }
}

// New starts a double that lives until the test ends.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{
		AccountSID: AccountSID,
		AuthToken:  AuthToken,
		now:        time.Now,
		rejected:   map[string]int{},
		faulted:    map[string]int{},
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	tb.Cleanup(s.srv.Close)
	return s
}

// SetFaults sets the fault function for the calls from now on; nil stops
// misbehaving.
func (s *Server) SetFaults(f FaultFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Reject makes every send to the number fail with a permanent Twilio error
// code, such as 21211 (invalid number) or 21610 (the recipient opted out).
func (s *Server) Reject(to string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected[to] = code
}

// Messages returns every accepted message, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.msgs))
	for _, m := range s.msgs {
		out = append(out, *m)
	}
	return out
}

// To returns the messages accepted for one recipient, oldest first.
func (s *Server) To(phone string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.To == phone {
			out = append(out, m)
		}
	}
	return out
}

// Calls is how many API calls the double served, faulty ones included.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Faulted counts the faults the double injected, by a short name such as
// "429", "500", "drop-after-accept".
func (s *Server) Faulted() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.faulted {
		out[k] = v
	}
	return out
}

var pathRE = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)/Messages\.json$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeError(w, 404, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.AccountSID || pass != s.AuthToken || m[1] != s.AccountSID {
		writeError(w, 401, 20003, "Authenticate")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, 400, 20001, "Could not read the request")
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.create(w, r)
	case http.MethodGet:
		s.list(w, r)
	default:
		writeError(w, 405, 20004, "Method not allowed")
	}
}

// fault counts the call and picks its fault.
func (s *Server) fault(r *http.Request, to string) Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.faults == nil {
		return Fault{}
	}
	f := s.faults(Call{N: s.calls, Method: r.Method, Path: r.URL.Path, To: to})
	if f != (Fault{}) {
		s.faulted[f.name()]++
	}
	return f
}

func (f Fault) name() string {
	var parts []string
	if f.Status != 0 {
		parts = append(parts, strconv.Itoa(f.Status))
	}
	if f.Drop {
		parts = append(parts, "drop")
	}
	if f.Delay > 0 {
		parts = append(parts, "slow")
	}
	if f.AfterAccept {
		parts = append(parts, "after-accept")
	}
	return strings.Join(parts, "-")
}

// misbehave carries out f; it reports whether the call was answered.
func misbehave(w http.ResponseWriter, f Fault) bool {
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.Status != 0 {
		writeError(w, f.Status, f.Code, http.StatusText(f.Status))
		return true
	}
	return false
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	to := r.PostForm.Get("To")
	f := s.fault(r, to)
	if !f.AfterAccept && misbehave(w, f) {
		return
	}
	msg := &Message{
		SID:                 NewSID("SM"),
		To:                  to,
		From:                r.PostForm.Get("From"),
		MessagingServiceSID: r.PostForm.Get("MessagingServiceSid"),
		Body:                r.PostForm.Get("Body"),
		StatusCallback:      r.PostForm.Get("StatusCallback"),
		Created:             s.now().UTC().Truncate(time.Second),
		UserAgent:           r.UserAgent(),
	}
	switch {
	case msg.To == "":
		writeError(w, 400, 21604, "A 'To' phone number is required.")
		return
	case msg.From == "" && msg.MessagingServiceSID == "":
		writeError(w, 400, 21603, "A 'From' phone number is required.")
		return
	case msg.Body == "":
		writeError(w, 400, 21602, "Message body is required.")
		return
	case len([]rune(msg.Body)) > 1600:
		writeError(w, 400, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	case !e164.MatchString(msg.To):
		writeError(w, 400, 21211, "The 'To' number "+msg.To+" is not a valid phone number.")
		return
	}
	s.mu.Lock()
	code := s.rejected[msg.To]
	if code == 0 {
		s.msgs = append(s.msgs, msg)
	}
	s.mu.Unlock()
	if code != 0 {
		text := "The message could not be sent."
		if code == 21610 {
			text = "Attempt to send to unsubscribed recipient"
		}
		writeError(w, 400, code, text)
		return
	}
	if f.AfterAccept && misbehave(w, f) {
		return
	}
	writeJSON(w, 201, s.resource(msg, true))
}

// resource is a message in Twilio's JSON shape. A message that was just
// created always reads "queued", as Twilio answers.
func (s *Server) resource(m *Message, justCreated bool) map[string]any {
	created := rfc2822(m.Created)
	status := "queued"
	var dateSent any
	if sent, ok := s.sentAt(m); ok && !justCreated {
		status = "sent"
		dateSent = rfc2822(sent)
	}
	var from any = m.From
	if m.From == "" {
		from = nil
	}
	var service any
	if m.MessagingServiceSID != "" {
		service = m.MessagingServiceSID
	}
	uri := "/2010-04-01/Accounts/" + s.AccountSID + "/Messages/" + m.SID + ".json"
	return map[string]any{
		"account_sid":           s.AccountSID,
		"api_version":           "2010-04-01",
		"body":                  m.Body,
		"date_created":          created,
		"date_sent":             dateSent,
		"date_updated":          created,
		"direction":             "outbound-api",
		"error_code":            nil,
		"error_message":         nil,
		"from":                  from,
		"messaging_service_sid": service,
		"num_media":             "0",
		"num_segments":          strconv.Itoa(Segments(m.Body)),
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   m.SID,
		"status":                status,
		"subresource_uris": map[string]string{
			"media":    strings.TrimSuffix(uri, ".json") + "/Media.json",
			"feedback": strings.TrimSuffix(uri, ".json") + "/Feedback.json",
		},
		"to":  m.To,
		"uri": uri,
	}
}

func (s *Server) sentAt(m *Message) (time.Time, bool) {
	sent := m.Created.Add(s.sendDelay)
	return sent, !s.now().Before(sent)
}

// dateFilter is one DateSent condition: on a day, on or before, on or after.
type dateFilter struct {
	op      byte // '=', '<', '>'
	at      time.Time
	dayOnly bool
}

func parseDateFilter(op byte, v string) (dateFilter, bool) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return dateFilter{op: op, at: t, dayOnly: true}, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return dateFilter{op: op, at: t.UTC()}, true
	}
	return dateFilter{}, false
}

func (d dateFilter) match(t time.Time) bool {
	t = t.UTC()
	if d.dayOnly {
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		switch d.op {
		case '<':
			return !day.After(d.at)
		case '>':
			return !day.Before(d.at)
		}
		return day.Equal(d.at)
	}
	switch d.op {
	case '<':
		return !t.After(d.at)
	case '>':
		return !t.Before(d.at)
	}
	return t.Equal(d.at)
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := s.fault(r, q.Get("To"))
	if !f.AfterAccept && misbehave(w, f) {
		return
	}
	var dates []dateFilter
	for key, op := range map[string]byte{"DateSent": '=', "DateSent<": '<', "DateSent>": '>'} {
		if v := q.Get(key); v != "" {
			d, ok := parseDateFilter(op, v)
			if !ok {
				writeError(w, 400, 20001, "Invalid value for "+key)
				return
			}
			dates = append(dates, d)
		}
	}
	size := 50
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, 400, 20001, "Invalid PageSize")
			return
		}
		size = min(n, 1000)
	}
	page := 0
	if v := q.Get("Page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, 400, 20001, "Invalid Page")
			return
		}
		page = n
	}
	s.mu.Lock()
	var hits []map[string]any
	order := make([]*Message, len(s.msgs))
	copy(order, s.msgs)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Created.After(order[j].Created) })
	for _, m := range order {
		if v := q.Get("To"); v != "" && m.To != v {
			continue
		}
		if v := q.Get("From"); v != "" && m.From != v {
			continue
		}
		if len(dates) > 0 {
			sent, ok := s.sentAt(m)
			if !ok {
				continue // queued: no date_sent yet
			}
			match := true
			for _, d := range dates {
				match = match && d.match(sent)
			}
			if !match {
				continue
			}
		}
		hits = append(hits, s.resource(m, false))
	}
	s.mu.Unlock()
	start := min(page*size, len(hits))
	end := min(start+size, len(hits))
	base := "/2010-04-01/Accounts/" + s.AccountSID + "/Messages.json"
	pageURI := func(p int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "Page" && k != "PageToken" && k != "PageSize" {
				v[k] = vs
			}
		}
		v.Set("PageSize", strconv.Itoa(size))
		v.Set("Page", strconv.Itoa(p))
		if p > 0 {
			v.Set("PageToken", "PA"+strconv.Itoa(p))
		}
		return base + "?" + v.Encode()
	}
	var next, prev any
	if end < len(hits) {
		next = pageURI(page + 1)
	}
	if page > 0 {
		prev = pageURI(page - 1)
	}
	msgs := hits[start:end]
	if msgs == nil {
		msgs = []map[string]any{}
	}
	if f.AfterAccept && misbehave(w, f) {
		return
	}
	writeJSON(w, 200, map[string]any{
		"messages":          msgs,
		"end":               max(end-1, 0),
		"first_page_uri":    pageURI(0),
		"next_page_uri":     next,
		"page":              page,
		"page_size":         size,
		"previous_page_uri": prev,
		"start":             start,
		"uri":               pageURI(page),
	})
}

func rfc2822(t time.Time) string { return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 +0000") }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{
		"code":      code,
		"message":   msg,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
		"status":    status,
	})
}

// NewSID returns a fresh Twilio-style SID with the given two-letter prefix
// ("SM" for messages).
func NewSID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Sign computes the X-Twilio-Signature Twilio sends with a webhook: the
// base64 HMAC-SHA1, keyed with the auth token, of the full URL followed by
// every POST parameter name and value, sorted by name.
func Sign(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Inbound is the form of an inbound SMS webhook from phone `from` to the
// desk's number, with a fresh MessageSid.
func (s *Server) Inbound(from, body string) url.Values {
	sid := NewSID("SM")
	return url.Values{
		"ToCountry":     {"NL"},
		"SmsMessageSid": {sid},
		"NumMedia":      {"0"},
		"SmsSid":        {sid},
		"SmsStatus":     {"received"},
		"Body":          {body},
		"To":            {FromNumber},
		"NumSegments":   {strconv.Itoa(Segments(body))},
		"MessageSid":    {sid},
		"AccountSid":    {s.AccountSID},
		"From":          {from},
		"FromCountry":   {"NL"},
		"ApiVersion":    {"2010-04-01"},
	}
}

// Status is the form of a status callback for a message the double
// accepted; errorCode 0 leaves ErrorCode out.
func (s *Server) Status(sid, status string, errorCode int) url.Values {
	to := ""
	s.mu.Lock()
	for _, m := range s.msgs {
		if m.SID == sid {
			to = m.To
		}
	}
	s.mu.Unlock()
	v := url.Values{
		"AccountSid":    {s.AccountSID},
		"ApiVersion":    {"2010-04-01"},
		"From":          {FromNumber},
		"MessageSid":    {sid},
		"MessageStatus": {status},
		"SmsSid":        {sid},
		"SmsStatus":     {status},
		"To":            {to},
	}
	if errorCode != 0 {
		v.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	return v
}

// Segments counts the SMS segments a body takes: 160 GSM-7 characters in
// one, 153 per segment beyond that; 70 and 67 for anything outside GSM-7.
func Segments(body string) int {
	n, gsm := 0, true
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			n++
		case strings.ContainsRune(gsmExtended, r):
			n += 2
		default:
			gsm = false
		}
	}
	if !gsm {
		units := 0
		for _, r := range body {
			units++
			if r > 0xFFFF {
				units++
			}
		}
		if units <= 70 {
			return 1
		}
		return int(math.Ceil(float64(units) / 67))
	}
	if n <= 160 {
		return 1
	}
	return int(math.Ceil(float64(n) / 153))
}

// The GSM 03.38 alphabet, for counting segments the way a carrier does.
const (
	gsmBasic    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "^{}\\[~]|€\f"
)

// String describes a message for test failures without the full body.
func (m Message) String() string {
	return fmt.Sprintf("%s to %s: %.40q", m.SID, m.To, m.Body)
}
