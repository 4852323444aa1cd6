package notify

import (
	"strings"
	"unicode"
)

// ReplyKind is what an inbound SMS says.
type ReplyKind int

// The kinds of reply.
const (
	ReplyUnknown ReplyKind = iota // could not be read: answered with help
	ReplyYes                      // JA (to a proposal)
	ReplyNo                       // NEE
	ReplyDone                     // 1: the help worked out (follow-up)
	ReplyNotDone                  // 2: it did not
	ReplyStop                     // STOP, STOPPEN and Twilio's other stop words: no more SMS
	ReplyStart                    // START: SMS again
	ReplyHelp                     // INFO, HELP: the desk's number
)

func (k ReplyKind) String() string {
	return [...]string{"unknown", "yes", "no", "done", "not_done", "stop", "start", "help"}[k]
}

// Reply is an inbound SMS as understood.
type Reply struct {
	Kind ReplyKind
	// Code is the 4-digit code of the question answered ("JA 4821"), or "".
	Code string
	// Lang is the language to answer in: "en" when the person wrote English
	// words (YES, NO, HELP), else "nl".
	Lang string
	// OptIn is set for words that Twilio treats as opting back in (START,
	// UNSTOP, and YES): from a number that opted out, YES means START.
	OptIn bool
}

// Words. Stop words follow Twilio's list (STOP, STOPALL, UNSUBSCRIBE,
// CANCEL, END, QUIT, REVOKE, OPTOUT) plus the Dutch STOPPEN and AFMELDEN;
// Twilio acts on them by itself too, so we must never keep sending after
// one. CANCEL, END and QUIT are ordinary English words, so they only count
// as the whole message, as Twilio does.
func wordKind(w string) (ReplyKind, string) {
	switch w {
	case "stop", "stoppen", "stopall", "unsubscribe", "optout", "revoke", "afmelden", "uitschrijven":
		return ReplyStop, "nl"
	case "start", "unstop", "aanmelden":
		return ReplyStart, "nl"
	case "info", "hulp":
		return ReplyHelp, "nl"
	case "help":
		return ReplyHelp, "en"
	case "ja", "j", "jawel", "jazeker", "jep":
		return ReplyYes, "nl"
	case "yes", "y", "yep", "yeah":
		return ReplyYes, "en"
	case "nee", "n", "neen", "nein":
		return ReplyNo, "nl"
	case "no", "nope":
		return ReplyNo, "en"
	case "gelukt":
		return ReplyDone, "nl"
	}
	// "jaaa", "neeee": people stretch words on a phone keyboard.
	switch {
	case len(w) > 2 && strings.Trim(w, "a") == "j":
		return ReplyYes, "nl"
	case len(w) > 3 && strings.HasPrefix(w, "ne") && strings.Trim(w[1:], "e") == "":
		return ReplyNo, "nl"
	}
	return ReplyUnknown, ""
}

// softWord reads words that answer yes or no only when they open the
// message: "prima!" is a yes, "ik wil graag weten wat dit is" is not.
func softWord(w string) ReplyKind {
	switch w {
	case "ok", "oke", "okay", "okee", "prima", "akkoord", "graag", "zeker", "sure":
		return ReplyYes
	case "helaas", "sorry":
		return ReplyNo
	}
	return ReplyUnknown
}

// ParseReply reads an inbound SMS forgivingly: case, spacing and
// punctuation do not matter ("ja!", "Ja 4821", "JA4821", "nee dank je",
// "1.", "Niet gelukt"). It is a pure function of the text.
func ParseReply(body string) Reply {
	words := tokens(body)
	if len(words) == 0 {
		return Reply{Lang: "nl"}
	}
	first := words[0]
	// Stop, start and help first: they must win over everything else.
	switch k, lang := wordKind(first); k {
	case ReplyStop:
		return Reply{Kind: ReplyStop, Lang: lang}
	case ReplyStart:
		return Reply{Kind: ReplyStart, Lang: lang, OptIn: true}
	case ReplyHelp:
		return Reply{Kind: ReplyHelp, Lang: lang}
	}
	if len(words) == 1 {
		switch first {
		case "cancel", "end", "quit":
			return Reply{Kind: ReplyStop, Lang: "en"}
		}
	}
	if len(words) >= 2 && first == "opt" && words[1] == "out" {
		return Reply{Kind: ReplyStop, Lang: "en"}
	}
	// Follow-up: "1", "2", "1 gelukt", "niet gelukt".
	switch {
	case first == "1":
		return Reply{Kind: ReplyDone, Lang: "nl"}
	case first == "2":
		return Reply{Kind: ReplyNotDone, Lang: "nl"}
	case first == "niet" && len(words) > 1 && words[1] == "gelukt":
		return Reply{Kind: ReplyNotDone, Lang: "nl"}
	}
	// JA/NEE with an optional code anywhere: "ja 4821", "4821 ja", "nee, dank je".
	r := Reply{Lang: "nl"}
	seen := 0 // words other than codes
	for _, w := range words {
		if isCode(w) {
			if r.Code == "" {
				r.Code = w
			} else if r.Code != w {
				return Reply{Lang: "nl"} // two different codes: ask again
			}
			continue
		}
		seen++
		if seen > 3 {
			continue // the rest is a sentence: "ja hoor, ik kom dinsdag"
		}
		k, lang := wordKind(w)
		if k == ReplyUnknown && seen == 1 {
			k, lang = softWord(w), "nl"
		}
		switch k {
		case ReplyYes, ReplyNo:
			if r.Kind != ReplyUnknown && r.Kind != k {
				return Reply{Lang: "nl"} // "ja nee": ask again
			}
			if r.Kind == ReplyUnknown {
				r.Kind, r.Lang = k, lang
				r.OptIn = w == "yes"
			}
		case ReplyDone:
			if r.Kind == ReplyUnknown && seen == 1 {
				return Reply{Kind: ReplyDone, Lang: lang}
			}
		}
	}
	if r.Kind == ReplyUnknown {
		r.Code = ""
	}
	return r
}

// isCode reports whether w is a 4-digit answer code.
func isCode(w string) bool {
	if len(w) != 4 {
		return false
	}
	for _, c := range w {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// tokens lower-cases s and splits it into words of letters and runs of
// digits: "JA4821!" -> ["ja", "4821"]. Accents are kept ("één" stays a
// word of its own and matches nothing).
func tokens(s string) []string {
	var out []string
	var cur []rune
	kind := 0 // 1 letters, 2 digits
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
		kind = 0
	}
	for _, r := range strings.ToLower(s) {
		k := 0
		switch {
		case r >= '0' && r <= '9':
			k = 2
		case unicode.IsLetter(r):
			k = 1
		}
		if k == 0 {
			flush()
			continue
		}
		if kind != 0 && k != kind {
			flush()
		}
		kind = k
		cur = append(cur, r)
		if len(out) > 64 {
			break // nobody answers a yes/no question in 64 words
		}
	}
	flush()
	return out
}
