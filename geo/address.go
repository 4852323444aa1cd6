package geo

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"wijkhelpt"
)

// maxInputLen bounds what the parsers look at: anything longer is not a
// postcode, house number or phone number, however it is written.
const maxInputLen = 40

// ParsePostcode checks a Dutch postcode and writes it the way PostNL does:
// four digits, a space, two capital letters ("3961 AB"). Spaces and dashes
// anywhere and lower-case letters are accepted ("3961ab", " 3961-ab ").
// Refused: the wrong number of digits or letters, a leading 0 (postcodes
// start at 1000), and the letter pairs SA, SD and SS, which are never issued.
// The error is an invalid-input *wijkhelpt.Error for the field "" that the
// caller merges under its own field name.
func ParsePostcode(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", wijkhelpt.Invalid("", wijkhelpt.T("Vul uw postcode in, bijvoorbeeld 3961 AB.", "Enter your postcode, for example 3961 AB."))
	}
	if len(s) > maxInputLen {
		return "", badPostcode()
	}
	var b []byte
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '-':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		default:
			return "", badPostcode()
		}
		b = append(b, byte(r))
	}
	if len(b) != 6 || !isPC4(string(b[:4])) || !isUpper(b[4]) || !isUpper(b[5]) {
		return "", badPostcode()
	}
	switch string(b[4:]) {
	case "SA", "SD", "SS":
		return "", badPostcode()
	}
	return string(b[:4]) + " " + string(b[4:]), nil
}

func badPostcode() error {
	return wijkhelpt.Invalid("", wijkhelpt.T(
		"Deze postcode klopt niet. Een postcode is vier cijfers en twee letters, zoals 3961 AB.",
		"This postcode is not valid. A Dutch postcode is four digits and two letters, such as 3961 AB."))
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

// MaxHouseNumber is the highest house number the national address register
// (BAG) allows.
const MaxHouseNumber = 99999

// maxAddition is the longest house number addition (huisnummertoevoeging)
// the BAG allows.
const maxAddition = 4

// ParseHouseNumber checks a Dutch house number and writes it in one form, so
// that the same address is always written the same way:
//
//   - the number without leading zeros: "012" -> "12";
//   - a single letter right after the number is the house letter
//     (huisletter), written in lower case and attached: "12A", "12 a" and
//     "12-a" -> "12a";
//   - anything after that is the addition (huisnummertoevoeging), up to four
//     letters or digits, written in lower case after a dash: "12-2", "12 bis"
//     -> "12-bis", "12-II" -> "12-ii", "12A 1" -> "12a-1".
//
// Lower case throughout because the BAG compares these without case, and
// the resident key of a request lower-cases them too. A lone letter is always
// read as the house letter: "12-A" and "12A" are the same address to a
// postman, and to the address service the two compare equal after removing
// separators. Refused: empty, 0, above 99999, and anything else.
func ParseHouseNumber(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", wijkhelpt.Invalid("", wijkhelpt.T("Vul uw huisnummer in.", "Enter your house number."))
	}
	if len(s) > maxInputLen || !utf8.ValidString(s) {
		return "", badHouseNumber()
	}
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	digits := strings.TrimLeft(s[:i], "0")
	if i == 0 || len(digits) > 5 {
		return "", badHouseNumber()
	}
	n, _ := strconv.Atoi(digits)
	if n < 1 || n > MaxHouseNumber {
		return "", badHouseNumber()
	}
	rest := skipSeparators(s[i:])
	letter := ""
	if len(rest) > 0 && isLower(rest[0]) && (len(rest) == 1 || !isLower(rest[1])) {
		letter, rest = rest[:1], skipSeparators(rest[1:])
	}
	addition := ""
	for j := 0; j < len(rest); j++ {
		c := rest[j]
		switch {
		case isLower(c) || isDigit(c):
			addition += string(c)
		case isHouseSeparator(c):
			// "12 a 1" or "12-2-b": separators inside the addition carry no meaning.
		default:
			return "", badHouseNumber()
		}
	}
	if len(addition) > maxAddition {
		return "", badHouseNumber()
	}
	out := strconv.Itoa(n) + letter
	if addition != "" {
		out += "-" + addition
	}
	return out, nil
}

func isHouseSeparator(c byte) bool { return c == ' ' || c == '-' || c == '/' || c == '\t' }

func skipSeparators(s string) string {
	for len(s) > 0 && isHouseSeparator(s[0]) {
		s = s[1:]
	}
	return s
}

func badHouseNumber() error {
	return wijkhelpt.Invalid("", wijkhelpt.T(
		"Dit huisnummer klopt niet. Schrijf het als 12, 12a of 12-2.",
		"This house number is not valid. Write it as 12, 12a or 12-2."))
}
