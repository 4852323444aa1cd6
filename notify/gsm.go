package notify

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The GSM 03.38 default alphabet and its extension table. A text made only
// of these travels as GSM-7: 160 characters in one SMS, 153 per segment when
// split. One character outside them makes the whole text UCS-2: 70 and 67.
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "^{}\\[~]|€\f"
)

// IsGSM7 reports whether s can be sent in the GSM-7 alphabet.
func IsGSM7(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(gsmBasic, r) && !strings.ContainsRune(gsmExtended, r) {
			return false
		}
	}
	return true
}

// Segments is how many SMS segments s takes.
func Segments(s string) int {
	if IsGSM7(s) {
		n := 0
		for _, r := range s {
			n++
			if strings.ContainsRune(gsmExtended, r) {
				n++
			}
		}
		if n <= 160 {
			return 1
		}
		return (n + 152) / 153
	}
	units := 0
	for _, r := range s {
		units++
		if r > 0xFFFF {
			units++ // a surrogate pair
		}
	}
	if units <= 70 {
		return 1
	}
	return (units + 66) / 67
}

// replacements are typographic characters people paste into names and
// addresses, with their plain GSM-7 stand-ins.
var replacements = strings.NewReplacer(
	"…", "...", "‘", "'", "’", "'", "‚", "'", "“", "\"", "”", "\"", "„", "\"",
	"–", "-", "—", "-", "‐", "-", "\u00a0", " ", "\t", " ", "\n", " ", "\r", " ",
	"ĳ", "ij", "Ĳ", "IJ", "œ", "oe", "Œ", "OE", "ł", "l", "Ł", "L", "đ", "d", "Đ", "D",
)

// toGSM7 replaces characters outside GSM-7 by the nearest letter inside it
// where there is one ("Zoë" -> "Zoe", "Anaïs" -> "Anais"), so that a name
// does not turn a one-segment message into three. Characters without a
// stand-in are kept: a name must stay recognisable.
func toGSM7(s string) string {
	s = replacements.Replace(s)
	if IsGSM7(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(gsmBasic, r) || strings.ContainsRune(gsmExtended, r) {
			b.WriteRune(r)
			continue
		}
		base := []rune(norm.NFD.String(string(r)))
		kept := false
		if len(base) > 1 && unicode.Is(unicode.Mn, base[1]) && strings.ContainsRune(gsmBasic, base[0]) {
			b.WriteRune(base[0])
			kept = true
		}
		if !kept {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stripNonGSM7 leaves out every character outside GSM-7 and the spaces
// that leaves doubled. What is left of a word in another script (the odd
// Greek capital GSM-7 happens to have) goes too: less than two Latin
// letters is no name.
func stripNonGSM7(s string) string {
	var words []string
	for _, w := range strings.Fields(s) {
		var b strings.Builder
		latin := 0
		for _, r := range w {
			if strings.ContainsRune(gsmBasic, r) || strings.ContainsRune(gsmExtended, r) {
				b.WriteRune(r)
				if unicode.Is(unicode.Latin, r) {
					latin++
				}
			}
		}
		if latin >= 2 || (latin > 0 && b.Len() == len(w)) {
			words = append(words, b.String())
		}
	}
	return strings.Join(words, " ")
}
