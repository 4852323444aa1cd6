package portal

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strings"
	"time"

	"wijkhelpt"
)

// One-time SMS codes (spec 3.2: volunteers log in "with email + password, or
// a one-time SMS code").
//
// A volunteer gives their mobile number. When it is the number of exactly
// one volunteer account (through that volunteer's offer, where the desk's
// SMS go too), the account is not disabled and the number did not opt out,
// a six-digit code goes out by SMS at once. The answer is the same page
// whether or not any of that holds, so the form tells nobody which numbers
// belong to volunteers.
//
// The code is kept as a session-like document in the sessions collection,
// so that FindSession's expiry check and the expired-session sweeper apply:
// its ID is "smscode:" + the SHA-256 of the number, which no session
// cookie can ever be looked up as (a cookie is looked up as a bare 64-digit
// hex hash); its role is empty, which identify would end at once even so;
// and it holds only an argon2id hash of the code. Asking again replaces the
// code. A right code is claimed once through a store counter keyed by the
// document's nonce (the first claim counts 1, atomically in the store), the
// document is deleted, and the volunteer gets a new session as after a
// password login.
const (
	loginCodeTTL = 10 * time.Minute
	// Codes asked for and codes tried, per number and per client address,
	// in the password login's window. Tries from an address count with its
	// password attempts: both are guesses at a way in.
	codeWindow        = loginWindow
	codeSendsPerPhone = 3
	codeSendsPerIP    = 10
	codeTriesPerPhone = 5
	// usedWindow is how long the claim of a used code is remembered; far
	// longer than a code lives.
	usedWindow = 24 * time.Hour
)

// loginCodeID is the ID of the document holding a number's login code.
func loginCodeID(phone string) string { return "smscode:" + wijkhelpt.HashToken(phone) }

// phoneKey is a number as it appears in rate-limit keys: hashed, because
// the counters are stored and the number is personal data.
func phoneKey(phone string) string { return wijkhelpt.HashToken("phone:" + phone)[:32] }

// errBadCode is the one answer to a code that is wrong, used, expired or
// was never sent.
func errBadCode() *wijkhelpt.Error {
	return wijkhelpt.Invalid("code", wijkhelpt.T(
		"Deze code klopt niet of is verlopen. Kijk de code na, of vraag een nieuwe code aan.",
		"This code is not correct or has expired. Check the code, or ask for a new code."))
}

// errCodesThrottled says that too many codes were asked for or tried.
func errCodesThrottled(asking bool) *wijkhelpt.Error {
	if asking {
		return &wijkhelpt.Error{Code: wijkhelpt.ErrRateLimited, Message: wijkhelpt.T(
			"Er zijn te veel codes gevraagd voor dit nummer of vanaf deze verbinding. Wacht een kwartier en probeer het dan opnieuw, of log in met je e-mailadres en wachtwoord.",
			"Too many codes were asked for this number or from this connection. Wait a quarter of an hour and try again, or log in with your email address and password.")}
	}
	return &wijkhelpt.Error{Code: wijkhelpt.ErrRateLimited, Message: wijkhelpt.T(
		"Er is te vaak een verkeerde code geprobeerd. Wacht een kwartier en vraag dan een nieuwe code aan, of log in met je e-mailadres en wachtwoord.",
		"A wrong code was tried too often. Wait a quarter of an hour and then ask for a new code, or log in with your email address and password.")}
}

// throttled turns a.limit's refusal into the login code's own message;
// other errors (the store) pass unchanged.
func throttled(err error, asking bool) error {
	if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrRateLimited {
		return errCodesThrottled(asking)
	}
	return err
}

// sendLoginCode sends a new login code to phone (E.164, mobile) when it
// belongs to one volunteer, throttled per number and per client address
// ip. It answers the same for every number: nil, or a rate-limited or
// internal error. The code is stored and sent in the background, so that
// the answer does not take longer for a volunteer's number (a call to
// Twilio) than for any other.
func (a *App) sendLoginCode(ctx context.Context, phone, lang, ip string) error {
	now := a.now()
	if err := a.limit(ctx, "smscode:ip:"+ip, codeSendsPerIP, codeWindow, now); err != nil {
		return throttled(err, true)
	}
	if err := a.limit(ctx, "smscode:phone:"+phoneKey(phone), codeSendsPerPhone, codeWindow, now); err != nil {
		return throttled(err, true)
	}
	code, err := newLoginCode()
	if err != nil {
		return err
	}
	// Hashed before knowing whether it is needed: an unknown number then
	// takes the same hashing time as a known one.
	hash, err := argonHash(code)
	if err != nil {
		return err
	}
	u, err := a.volunteerByPhone(ctx, phone)
	if err != nil || u == nil {
		return err
	}
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), loginSendTimeout)
	a.background.Go(func() {
		defer cancel()
		a.deliverLoginCode(bg, u, phone, lang, code, hash, now)
	})
	return nil
}

// loginSendTimeout bounds storing and sending one login code.
const loginSendTimeout = time.Minute

// deliverLoginCode stores the hash of a login code for u and sends the code
// by SMS. What goes wrong is logged: the visitor has had their answer.
func (a *App) deliverLoginCode(ctx context.Context, u *wijkhelpt.User, phone, lang, code, hash string, now time.Time) {
	doc := &wijkhelpt.Session{
		ID:        loginCodeID(phone),
		UserID:    u.ID,
		Lang:      lang,
		CreatedAt: now,
		LastSeen:  now,
		ExpiresAt: now.Add(loginCodeTTL),
		Data:      map[string]string{"purpose": "sms-login", "code": hash, "nonce": wijkhelpt.NewToken()},
	}
	if err := a.deps.Store.SaveSession(ctx, doc); err != nil {
		a.log.ErrorContext(ctx, "login code not stored", "user_id", u.ID, "err", err)
		return
	}
	err := a.deps.Notifier.SendLoginCode(ctx, phone, lang, code, loginCodeTTL)
	if err == nil {
		return
	}
	// Nothing went out: the code must not stay usable.
	if derr := a.deps.Store.DeleteSession(ctx, doc.ID); derr != nil {
		a.log.ErrorContext(ctx, "unsent login code not removed", "user_id", u.ID, "err", derr)
	}
	if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrConflict {
		return // opted out of SMS: the notifier logged it
	}
	// Twilio is down or refused: the volunteer asks again or uses the
	// password.
	a.log.ErrorContext(ctx, "login code not sent", "user_id", u.ID, "err", err)
}

// volunteerByPhone finds the one active volunteer account whose offer has
// this number, or nil. Two accounts sharing a number get no code: it could
// not tell whose account to open.
func (a *App) volunteerByPhone(ctx context.Context, phone string) (*wijkhelpt.User, error) {
	offers, err := a.deps.Store.FindOffers(ctx, wijkhelpt.OfferFilter{Phone: phone, Limit: 20})
	if err != nil {
		return nil, err
	}
	var found *wijkhelpt.User
	for _, o := range offers {
		if o.UserID == "" || (found != nil && found.ID == o.UserID) {
			continue
		}
		u, err := a.deps.Store.FindUser(ctx, o.UserID)
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		if u.Role != wijkhelpt.RoleVolunteer || u.Disabled {
			continue
		}
		if found != nil {
			a.log.WarnContext(ctx, "login code refused: number shared by accounts", "user_id", found.ID, "other_user_id", u.ID)
			return nil, nil
		}
		found = u
	}
	return found, nil
}

// checkLoginCode checks a code typed for phone, throttled per number and
// per client address ip, and uses it up. It returns the volunteer, or an
// invalid-input (errBadCode) or rate-limited error.
func (a *App) checkLoginCode(ctx context.Context, phone, code, ip string) (*wijkhelpt.User, error) {
	now := a.now()
	id := loginCodeID(phone)
	if err := a.limit(ctx, "login:ip:"+ip, loginPerIP, loginWindow, now); err != nil {
		return nil, throttled(err, false)
	}
	if err := a.limit(ctx, "smscode:try:"+phoneKey(phone), codeTriesPerPhone, codeWindow, now); err != nil {
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrRateLimited {
			// The number is being guessed at: its code is done for.
			if derr := a.deps.Store.DeleteSession(ctx, id); derr != nil {
				return nil, derr
			}
		}
		return nil, throttled(err, false)
	}
	doc, err := a.deps.Store.FindSession(ctx, id)
	switch {
	case wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound:
		CheckPassword(a.dummyHash, code) // the same time as a real check
		return nil, errBadCode()
	case err != nil:
		return nil, err
	}
	if doc.Data["purpose"] != "sms-login" || !now.Before(doc.ExpiresAt) || !CheckPassword(doc.Data["code"], code) {
		return nil, errBadCode()
	}
	// Two requests with the right code at once: only the first claim counts.
	n, err := a.deps.Store.Hit(ctx, "smscode:used:"+doc.Data["nonce"], usedWindow, now)
	if err != nil {
		return nil, err
	}
	if err := a.deps.Store.DeleteSession(ctx, id); err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, errBadCode()
	}
	u, err := a.deps.Store.FindUser(ctx, doc.UserID)
	if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
		return nil, errBadCode()
	}
	if err != nil {
		return nil, err
	}
	if u.Role != wijkhelpt.RoleVolunteer || u.Disabled {
		return nil, errBadCode()
	}
	return u, nil
}

// newLoginCode is six random digits.
func newLoginCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("portal: login code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// cleanCode takes the digits of a typed or pasted code ("123 456",
// "123-456", " 123456 "), or "" when it is not six digits.
func cleanCode(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '\t' || r == '\u00a0':
		default:
			return ""
		}
	}
	if b.Len() != 6 {
		return ""
	}
	return b.String()
}
