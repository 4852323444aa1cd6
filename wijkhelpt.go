// Package wijkhelpt holds the domain of the WijkHelpt neighbour-help desk:
// requests for help, offers of help, the matches a mediator confirms between
// them, and the rules for how each of these may change. It imports only the
// standard library; storage, search, SMS and the web portal live in their own
// packages and depend on this one, never the other way round.
package wijkhelpt

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// SchemaVersion is the version of the stored document shapes. Stores write it
// into every document so that a later shape can be migrated deliberately.
const SchemaVersion = 1

// Text is a piece of user-facing text in Dutch and English. Dutch is the
// default language of the desk; English is the second.
type Text struct {
	NL string `json:"nl" bson:"nl"`
	EN string `json:"en" bson:"en"`
}

// T builds a Text from its Dutch and English versions.
func T(nl, en string) Text { return Text{NL: nl, EN: en} }

// In returns the text in lang ("nl" or "en"); anything else gets Dutch.
func (t Text) In(lang string) string {
	if isEnglish(lang) && t.EN != "" {
		return t.EN
	}
	return t.NL
}

// isEnglish reports whether lang asks for English: "en", "EN", "en-GB".
func isEnglish(lang string) bool { return strings.HasPrefix(strings.ToLower(lang), "en") }

// ErrorCode classifies an Error. The portal maps each code to one HTTP status.
type ErrorCode string

// The error codes used throughout the service.
const (
	ErrInvalid      ErrorCode = "invalid"      // input is wrong; Fields says where
	ErrUnauthorized ErrorCode = "unauthorized" // no or bad credentials
	ErrForbidden    ErrorCode = "forbidden"    // credentials fine, not allowed
	ErrNotFound     ErrorCode = "not_found"    // no such thing (or not visible to the caller)
	ErrConflict     ErrorCode = "conflict"     // the current state does not allow this
	ErrRateLimited  ErrorCode = "rate_limited" // too many attempts
	ErrUnavailable  ErrorCode = "unavailable"  // a dependency is down; try again later
	ErrInternal     ErrorCode = "internal"     // a bug or an unexpected failure
)

// Error is the one domain error type. Message and Fields are safe to show to
// users; they never contain internal details.
type Error struct {
	Code    ErrorCode
	Message Text
	// Fields maps a field name (as in the JSON API, e.g. "postcode" or
	// "contact.phone") to what is wrong with it.
	Fields map[string]Text
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message.EN)
	}
	names := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message.EN, strings.Join(names, ", "))
}

// ErrorCodeOf returns the code of the first *Error in err's chain, ErrInternal
// for any other non-nil error, and "" for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternal
}

// AsError returns the *Error in err's chain, or an internal error with a
// generic message so that internal text never reaches a user.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: ErrInternal, Message: T(
		"Er ging iets mis aan onze kant. Probeer het later opnieuw of bel de hulplijn.",
		"Something went wrong on our side. Please try again later or call the help desk.")}
}

// NotFound returns a not-found error naming what was looked for.
func NotFound(what Text) *Error {
	return &Error{Code: ErrNotFound, Message: T(what.NL+" is niet gevonden.", what.EN+" was not found.")}
}

// Conflict returns an error for a change that the current state refuses.
func Conflict(msg Text) *Error { return &Error{Code: ErrConflict, Message: msg} }

// Forbidden returns an error for an action the caller may not do.
func Forbidden() *Error {
	return &Error{Code: ErrForbidden, Message: T("U mag dit niet doen.", "You are not allowed to do this.")}
}

// Unauthorized returns an error for a missing or bad login.
func Unauthorized() *Error {
	return &Error{Code: ErrUnauthorized, Message: T("Log eerst in.", "Please log in first.")}
}

// FieldErrors collects errors per field so that validation can report all of
// them at once.
type FieldErrors map[string]Text

// Add records msg for field unless the field already has an error: the first
// problem found is the one the user should fix first.
func (f FieldErrors) Add(field string, msg Text) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Merge adds every field error of err (when it is an invalid-input *Error)
// under prefix, and reports whether err was such an error.
func (f FieldErrors) Merge(prefix string, err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Code != ErrInvalid {
		return false
	}
	if len(e.Fields) == 0 {
		// Without a prefix the error still has to land somewhere: dropping
		// it would let the caller carry on as if the input were fine.
		f.Add(prefix, e.Message)
	}
	for k, v := range e.Fields {
		name := k
		if prefix != "" {
			name = prefix
			if k != "" {
				name = prefix + "." + k
			}
		}
		f.Add(name, v)
	}
	return true
}

// Err returns nil when there are no field errors, else an invalid-input Error.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: ErrInvalid, Fields: map[string]Text(f), Message: T(
		"Niet alles is goed ingevuld. Kijk bij de velden hieronder.",
		"Some fields need your attention. See the fields below.")}
}

// Invalid returns an invalid-input error for one field.
func Invalid(field string, msg Text) *Error {
	f := FieldErrors{}
	f.Add(field, msg)
	return f.Err().(*Error)
}

// Role is what a logged-in person may do.
type Role string

// The roles of the desk, from least to most privileged for staff.
const (
	RoleVolunteer Role = "volunteer" // a volunteer or an organisation's contact person
	RolePhone     Role = "phone"     // phone-line staff (telefoonteam)
	RoleMediator  Role = "mediator"  // social worker (bemiddelaar)
	RoleAdmin     Role = "admin"     // coordinator
)

// Roles lists every role.
func Roles() []Role { return []Role{RoleVolunteer, RolePhone, RoleMediator, RoleAdmin} }

// ParseRole checks that s names a role.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles() {
		if string(r) == s {
			return r, nil
		}
	}
	return "", Invalid("role", T("Onbekende rol.", "Unknown role."))
}

// IsStaff reports whether the role belongs to desk staff.
func (r Role) IsStaff() bool { return r == RolePhone || r == RoleMediator || r == RoleAdmin }

// CanMediate reports whether the role may confirm matches and see suggestions.
func (r Role) CanMediate() bool { return r == RoleMediator || r == RoleAdmin }

// Actor names who made a change, for the history of a document. It never
// contains a phone number.
type Actor string

// Well-known actors.
const (
	ActorSystem   Actor = "system"   // timers: time-outs, expiry
	ActorResident Actor = "resident" // via the private status link or an SMS reply
	ActorImport   Actor = "import"   // CSV import
)

// UserActor is the actor for a logged-in user.
func UserActor(role Role, userID string) Actor { return Actor(string(role) + ":" + userID) }

// SMSActor is the actor for an SMS reply from the owner of an offer.
func SMSActor(offerID string) Actor { return Actor("sms:" + offerID) }
