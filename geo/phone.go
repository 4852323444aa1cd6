package geo

import (
	"strings"

	"github.com/nyaruka/phonenumbers"

	"wijkhelpt"
)

// phoneRegion is the region numbers without a country code are read in.
const phoneRegion = "NL"

// ParsePhone checks a phone number and returns it in E.164 ("+31612345678")
// and whether it can receive SMS. Numbers without a country code are read
// as Dutch, in any of the ways people write them: "06-12345678",
// "0612345678", "+31 (0)6 1234 5678", "0031 6 12345678", "030-1234567".
// Foreign numbers are accepted when they are valid.
//
// Mobile follows the number's type in libphonenumber's metadata: MOBILE is
// mobile, and so is FIXED_LINE_OR_MOBILE, which the metadata uses where one
// number range holds both (the USA and Canada, for instance; never Dutch
// numbers, whose mobile range 06 stands apart). Sending there is the better
// mistake: a failed SMS comes back as a delivery failure the mediator sees,
// while treating it as a landline would make staff call abroad. Every other
// type (fixed line, toll-free, premium rate, VoIP, pager) is not mobile, and
// the desk calls such people back instead of sending SMS.
//
// Refused, with a message for the resident: empty input, numbers that are
// not valid in their country, and numbers with an extension (which an SMS
// cannot reach).
func ParsePhone(s string) (e164 string, mobile bool, err error) {
	if strings.TrimSpace(s) == "" {
		return "", false, wijkhelpt.Invalid("", wijkhelpt.T("Vul een telefoonnummer in.", "Enter a phone number."))
	}
	if len(s) > maxInputLen {
		return "", false, badPhone()
	}
	n, err := phonenumbers.Parse(s, phoneRegion)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", false, badPhone()
	}
	if n.GetExtension() != "" {
		return "", false, wijkhelpt.Invalid("", wijkhelpt.T(
			"Laat het toestelnummer weg; vul alleen het telefoonnummer in.",
			"Leave out the extension; enter only the phone number."))
	}
	switch phonenumbers.GetNumberType(n) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		mobile = true
	}
	return phonenumbers.Format(n, phonenumbers.E164), mobile, nil
}

func badPhone() error {
	return wijkhelpt.Invalid("", wijkhelpt.T(
		"Dit telefoonnummer klopt niet. Schrijf het als 06-12345678 of 0343-123456.",
		"This phone number is not valid. Write it as 06-12345678 or +31 6 12345678."))
}
