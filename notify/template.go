package notify

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"wijkhelpt"
)

// Templates for replies to inbound SMS. The outbox templates are named in
// the root package (wijkhelpt.TmplVolunteerProposal and the rest).
const (
	TmplReplyHelp        = "reply_help"         // INFO/HELP: the desk's number and how to answer
	TmplReplyUnknown     = "reply_unknown"      // a reply we could not read
	TmplReplyWhich       = "reply_which"        // a bare JA/NEE while several questions are open
	TmplReplyNoQuestion  = "reply_no_question"  // JA/NEE/1/2 while nothing is open for the number
	TmplReplyUnknownCode = "reply_unknown_code" // JA/NEE with a code that is not open
	TmplReplyClosed      = "reply_closed"       // an answer to a question that is no longer open
	TmplReplyDeclined    = "reply_declined"     // thanks for the NEE
	TmplReplyThanks      = "reply_thanks"       // follow-up answered 1
	TmplReplyNotDone     = "reply_not_done"     // follow-up answered 2
	TmplReplyStopped     = "reply_stopped"      // STOP: confirmation, the last SMS the number gets
	TmplReplyStarted     = "reply_started"      // START
)

// TmplLoginCode is the one-time code a volunteer logs in with. It is sent at
// once (SendLoginCode), never through the outbox, and fits one segment.
const TmplLoginCode = "login_code"

// outboxTemplates lists the templates transitions queue.
func outboxTemplates() []string {
	return []string{
		wijkhelpt.TmplRequestReceived, wijkhelpt.TmplVolunteerProposal, wijkhelpt.TmplVolunteerDetails,
		wijkhelpt.TmplResidentMatched, wijkhelpt.TmplAlreadyArranged, wijkhelpt.TmplVolunteerReminder,
		wijkhelpt.TmplResidentFollowUp, wijkhelpt.TmplVolunteerCancelled,
	}
}

// replyTemplates lists the templates inbound SMS are answered with.
func replyTemplates() []string {
	return []string{
		TmplReplyHelp, TmplReplyUnknown, TmplReplyWhich, TmplReplyNoQuestion, TmplReplyUnknownCode,
		TmplReplyClosed, TmplReplyDeclined, TmplReplyThanks, TmplReplyNotDone, TmplReplyStopped,
		TmplReplyStarted,
	}
}

// directTemplates lists the templates sent at once, outside the outbox.
func directTemplates() []string { return []string{TmplLoginCode} }

// allTemplates lists every template each language must have.
func allTemplates() []string {
	return append(append(outboxTemplates(), replyTemplates()...), directTemplates()...)
}

// languages are the languages every text exists in, Dutch first.
func languages() []string { return []string{"nl", "en"} }

//go:embed templates/*.tmpl
var templateFiles embed.FS

// paramLimit caps a parameter (in characters) so that every message fits in
// two SMS segments whatever people typed as their name. The second result
// says whether the parameter is free text that may be cut shorter still.
func paramLimit(name string) (limit int, free bool) {
	switch name {
	case "name", "resident", "volunteer":
		return 20, true
	case "category":
		return 50, true
	case "day", "area":
		return 40, true
	case "address":
		return 70, true
	case "codes":
		return 30, false
	case "ref", "desk":
		return 20, false
	case "residentPhone":
		return 16, false
	case "code", "distance", "otp":
		return 6, false
	case "minutes":
		return 3, false
	case "hours":
		return 3, false
	}
	return 0, false
}

// sensitive reports whether a parameter is masked when a message is
// written to the log.
func sensitive(name string) bool {
	return name == "address" || name == "residentPhone" || name == "link" || name == "otp"
}

// texts holds the parsed templates, one set per language.
type texts struct {
	byLang map[string]*template.Template
	desk   wijkhelpt.Text
	hours  string
}

// loadTexts parses the embedded templates and checks that every template
// exists in every language: a broken or missing text stops start-up.
func loadTexts(deskPhone string, answerTimeout time.Duration) (*texts, error) {
	t := &texts{byLang: map[string]*template.Template{}}
	for _, lang := range languages() {
		tmpl, err := template.New(lang).Option("missingkey=error").ParseFS(templateFiles, "templates/"+lang+".tmpl")
		if err != nil {
			return nil, fmt.Errorf("notify: parse %s texts: %w", lang, err)
		}
		for _, name := range allTemplates() {
			if tmpl.Lookup(name) == nil {
				return nil, fmt.Errorf("notify: text %q is missing in %s", name, lang)
			}
		}
		t.byLang[lang] = tmpl
	}
	t.desk = wijkhelpt.T("de hulplijn", "the help desk")
	if d := strings.TrimSpace(deskPhone); d != "" {
		t.desk = wijkhelpt.T(d, d)
	}
	if answerTimeout <= 0 {
		answerTimeout = wijkhelpt.DefaultAnswerTimeout
	}
	t.hours = strconv.Itoa(max(1, int(answerTimeout.Round(time.Hour)/time.Hour)))
	return t, nil
}

// render builds the text of a message. For the call-back channel it takes
// the text to read out when there is one. Parameters are cut to their
// limits and moved into GSM-7 where a close letter exists ("Zoë" -> "Zoe").
// When the result takes more than two SMS segments, free-text parameters
// are cut shorter; when it still does, characters without a GSM-7 stand-in
// (another script, emoji) are left out of the parameters, with a neutral
// word for a name that is left empty. The templates themselves are GSM-7.
func (t *texts) render(name, lang, channel string, params map[string]string) (string, error) {
	return t.renderWith(name, lang, channel, params, false)
}

// renderForLog renders with personal details (address, phone, link) masked.
func (t *texts) renderForLog(name, lang, channel string, params map[string]string) (string, error) {
	return t.renderWith(name, lang, channel, params, true)
}

func (t *texts) renderWith(name, lang, channel string, params map[string]string, masked bool) (string, error) {
	tmpl, ok := t.byLang[lang]
	if !ok {
		tmpl, lang = t.byLang["nl"], "nl"
	}
	if channel == wijkhelpt.ChannelCallback && tmpl.Lookup("call/"+name) != nil {
		name = "call/" + name
	}
	if tmpl.Lookup(name) == nil {
		return "", fmt.Errorf("notify: no text %q", name)
	}
	var out string
	for _, stage := range []struct {
		shrink int
		strip  bool
	}{{1, false}, {2, false}, {4, false}, {1, true}, {2, true}, {4, true}} {
		data := map[string]string{"desk": t.desk.In(lang), "hours": t.hours}
		for k, v := range params {
			data[k] = v
		}
		for k, v := range data {
			v = toGSM7(strings.TrimSpace(v))
			if stage.strip {
				v = stripNonGSM7(v)
				if v == "" {
					v = fallback(k).In(lang)
				}
			}
			if masked && sensitive(k) {
				v = mask(k, v)
			}
			if limit, free := paramLimit(k); limit > 0 {
				if free && stage.shrink > 1 {
					limit = max(8, limit/stage.shrink)
				}
				v = cut(v, limit)
			}
			data[k] = v
		}
		var b strings.Builder
		if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
			return "", fmt.Errorf("notify: render %s/%s: %w", lang, name, err)
		}
		out = b.String()
		if channel == wijkhelpt.ChannelCallback || Segments(out) <= 2 {
			break
		}
	}
	return out, nil
}

// fallback is what stands in a text for a name that has nothing left.
func fallback(param string) wijkhelpt.Text {
	switch param {
	case "resident":
		return wijkhelpt.T("de bewoner", "the resident")
	case "volunteer":
		return wijkhelpt.T("een vrijwilliger", "a volunteer")
	}
	return wijkhelpt.Text{}
}

// cut shortens s to at most n characters, at a word boundary when one is
// near, so that a long name reads as a name.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	if i := strings.LastIndexByte(string(r), ' '); i >= n/2 {
		return strings.TrimRight(string(r)[:i], " ,.-")
	}
	return strings.TrimRight(string(r), " ,.-")
}

// mask hides a personal detail in logs: phone numbers keep their last two
// digits, a status link keeps its host, anything else becomes a marker.
func mask(key, v string) string {
	switch key {
	case "residentPhone":
		return maskPhone(v)
	case "link":
		if i := strings.Index(v, "/r/"); i >= 0 {
			return v[:i] + "/r/…"
		}
		return "[link]"
	}
	return "[" + key + "]"
}

// maskPhone keeps the country code and the last two digits: enough to tell
// numbers apart in a log, not enough to call anyone.
func maskPhone(p string) string {
	r := []rune(p)
	if len(r) <= 5 {
		return strings.Repeat("*", len(r))
	}
	head := 3
	if !strings.HasPrefix(p, "+") {
		head = 0
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-2) + string(r[len(r)-2:])
}
