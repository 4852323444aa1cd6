package portal

import (
	"context"
	"crypto/subtle"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// Sessions.
//
// A logged-in browser holds a random 128-bit token in the session cookie
// (__Host-wh behind HTTPS, wh on plain HTTP); the store keeps only its
// SHA-256 (wijkhelpt.Session.ID), so a leaked database logs nobody in. Every
// login makes a new session (no fixation). A session ends after a period
// without use, shorter for staff, who can see everyone's requests, than for
// volunteers, who see only their own tasks and log in from their phone
// between other things; and in any case after an absolute lifetime.
const (
	staffIdle         = 30 * time.Minute
	staffLifetime     = 12 * time.Hour
	volunteerIdle     = 8 * time.Hour
	volunteerLifetime = 7 * 24 * time.Hour
	// touchEvery limits session writes: LastSeen moves at most once a minute.
	touchEvery = time.Minute
)

// CSRF.
//
// Logged-in sessions keep their CSRF token in the stored session
// (synchronizer token). Anonymous visitors get no stored session, so that
// crawlers and one-off residents don't create database rows; instead they
// get a random token in a cookie (__Host-wh-csrf / wh-csrf) that forms must
// echo in _csrf (double submit). The __Host- prefix stops a sibling domain
// from planting that cookie, and every state-changing request must in
// addition come from our own Origin/Referer.
//
// A form puts viewer.CSRF in a hidden field named _csrf; scripts send it in
// the X-CSRF-Token header. The API takes the header when it is called with
// the session cookie; with a bearer token no CSRF token is needed, because
// browsers never add a bearer token by themselves.

// CSRFField is the form field holding the CSRF token.
const CSRFField = "_csrf"

// CSRFHeader is the header holding the CSRF token for scripts and the API.
const CSRFHeader = "X-CSRF-Token"

// Login throttling: per account and per client address, counted in the store
// so that every instance shares the count.
const (
	loginWindow     = 15 * time.Minute
	loginPerAccount = 5
	loginPerIP      = 30
)

type ctxKey int

const viewerKey ctxKey = 1

// viewer is who is asking, as far as the portal knows. The zero value is an
// anonymous visitor. Handlers get it with a.viewer(c).
type viewer struct {
	UserID   string         // empty for anonymous visitors and for tokens without a user
	Name     string         // the user's name, for "Ingelogd als ..."
	Role     wijkhelpt.Role // empty for anonymous visitors
	OfferID  string         // a volunteer's own offer
	Lang     string         // "nl" or "en"
	CSRF     string         // put in forms as _csrf; empty for bearer-token API calls
	LoggedIn bool           // a session or a bearer token

	sessionID string // hash of the session cookie, for logout
	tokenID   string // the API token's ID, when called with a bearer token
}

// actor is how the viewer is recorded in histories and the audit log.
func (v viewer) actor() wijkhelpt.Actor {
	switch {
	case !v.LoggedIn:
		return wijkhelpt.ActorResident
	case v.UserID != "":
		return wijkhelpt.UserActor(v.Role, v.UserID)
	default:
		return wijkhelpt.Actor("token:" + v.tokenID)
	}
}

// viaToken reports whether the viewer came with a bearer token.
func (v viewer) viaToken() bool { return v.tokenID != "" }

// is reports whether the viewer is logged in with one of the roles.
func (v viewer) is(roles ...wijkhelpt.Role) bool {
	if !v.LoggedIn {
		return false
	}
	for _, r := range roles {
		if v.Role == r {
			return true
		}
	}
	return false
}

// viewer returns who is asking; identify has set it for every route after
// it (all API routes and pages).
func (a *App) viewer(c *fiber.Ctx) viewer {
	v, _ := c.Locals(viewerKey).(viewer)
	if v.Lang == "" {
		v.Lang = "nl"
	}
	return v
}

func (a *App) sessionCookie() string {
	if a.deps.SecureCookies {
		return "__Host-wh"
	}
	return "wh"
}

func (a *App) csrfCookie() string {
	if a.deps.SecureCookies {
		return "__Host-wh-csrf"
	}
	return "wh-csrf"
}

// setCookie sets a cookie for the whole site, HttpOnly, SameSite=Lax, and
// Secure behind HTTPS. maxAge 0 makes a browser-session cookie; < 0 deletes.
func (a *App) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	ck := &fiber.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		HTTPOnly: true,
		Secure:   a.deps.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode,
	}
	switch {
	case maxAge < 0:
		ck.Value = ""
		ck.MaxAge = -1
		ck.Expires = time.Unix(1, 0)
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
	}
	c.Cookie(ck)
}

// identify finds out who is asking: a bearer token (API only), else the
// session cookie, else an anonymous visitor with a CSRF cookie.
func (a *App) identify(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/static/") {
		return c.Next()
	}
	ctx := c.UserContext()
	api := isAPI(c.Path())
	v := viewer{Lang: a.pageLang(c, !api)}
	if api {
		v.Lang = a.apiLang(c)
	}
	if h := c.Get(fiber.HeaderAuthorization); h != "" && api {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(tok) == "" {
			return wijkhelpt.Unauthorized()
		}
		t, err := a.deps.Store.FindTokenByHash(ctx, wijkhelpt.HashToken(strings.TrimSpace(tok)))
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound || (err == nil && t.Revoked) {
			return wijkhelpt.Unauthorized()
		}
		if err != nil {
			return err
		}
		v.LoggedIn, v.Role, v.tokenID, v.UserID = true, t.Role, t.ID, t.UserID
		if t.UserID != "" {
			u, err := a.deps.Store.FindUser(ctx, t.UserID)
			if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound || (err == nil && u.Disabled) {
				return wijkhelpt.Unauthorized()
			}
			if err != nil {
				return err
			}
			v.Name, v.OfferID = u.Name, u.OfferID
		}
		c.Locals(viewerKey, v)
		return c.Next()
	}
	if raw := c.Cookies(a.sessionCookie()); raw != "" {
		s, u, err := a.session(c, raw)
		if err != nil {
			return err
		}
		if s != nil {
			v.LoggedIn, v.UserID, v.Name, v.Role, v.OfferID = true, u.ID, u.Name, u.Role, u.OfferID
			v.CSRF, v.sessionID = s.CSRF, s.ID
		}
	}
	if !v.LoggedIn && !api {
		tok := c.Cookies(a.csrfCookie())
		if !isToken(tok) {
			tok = wijkhelpt.NewToken()
			a.setCookie(c, a.csrfCookie(), tok, 0)
		}
		v.CSRF = tok
	}
	c.Locals(viewerKey, v)
	return c.Next()
}

// session loads the live session for a cookie value and its user, or nil
// when there is none (the stale cookie is then removed).
func (a *App) session(c *fiber.Ctx, raw string) (*wijkhelpt.Session, *wijkhelpt.User, error) {
	ctx := c.UserContext()
	now := a.now()
	s, err := a.deps.Store.FindSession(ctx, wijkhelpt.HashToken(raw))
	if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
		a.setCookie(c, a.sessionCookie(), "", -1)
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	end := func() (*wijkhelpt.Session, *wijkhelpt.User, error) {
		a.setCookie(c, a.sessionCookie(), "", -1)
		if err := a.deps.Store.DeleteSession(ctx, s.ID); err != nil && wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound {
			return nil, nil, err
		}
		return nil, nil, nil
	}
	if !now.Before(s.ExpiresAt) {
		return end()
	}
	u, err := a.deps.Store.FindUser(ctx, s.UserID)
	if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
		return end()
	}
	if err != nil {
		return nil, nil, err
	}
	// A disabled account or a changed role ends the session at once: a
	// demoted mediator must not keep a mediator's session.
	if u.Disabled || u.Role != s.Role {
		return end()
	}
	if now.Sub(s.LastSeen) >= touchEvery {
		s.LastSeen = now
		s.ExpiresAt = sessionExpiry(s.Role, s.CreatedAt, now)
		if err := a.deps.Store.SaveSession(ctx, s); err != nil {
			return nil, nil, err
		}
	}
	return s, u, nil
}

// sessionExpiry is when a session of role, created at created and last used
// at lastSeen, ends.
func sessionExpiry(role wijkhelpt.Role, created, lastSeen time.Time) time.Time {
	idle, life := volunteerIdle, volunteerLifetime
	if role.IsStaff() {
		idle, life = staffIdle, staffLifetime
	}
	exp := lastSeen.Add(idle)
	if end := created.Add(life); end.Before(exp) {
		exp = end
	}
	return exp
}

func isToken(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

// tokensEqual compares a submitted CSRF token in constant time.
func tokensEqual(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// requireRole lets through viewers with one of the roles. Anonymous
// visitors are sent to the login page (pages) or get 401 (API); others get
// 403.
func (a *App) requireRole(roles ...wijkhelpt.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v := a.viewer(c)
		if !v.LoggedIn {
			if isAPI(c.Path()) {
				return wijkhelpt.Unauthorized()
			}
			return c.Redirect("/inloggen?next="+url.QueryEscape(requestPath(c)), fiber.StatusSeeOther)
		}
		if !v.is(roles...) {
			return wijkhelpt.Forbidden()
		}
		return c.Next()
	}
}

// requestPath is the path and query of the request, also when a client
// sent the absolute form of the URL.
func requestPath(c *fiber.Ctx) string {
	p := c.Path()
	if q := c.Request().URI().QueryString(); len(q) > 0 {
		p += "?" + string(q)
	}
	return p
}

// staffRoles are the desk's own people.
var staffRoles = []wijkhelpt.Role{wijkhelpt.RolePhone, wijkhelpt.RoleMediator, wijkhelpt.RoleAdmin}

// mediatorRoles may confirm matches and see suggestions.
var mediatorRoles = []wijkhelpt.Role{wijkhelpt.RoleMediator, wijkhelpt.RoleAdmin}

// errBadLogin is the one answer to a wrong email or password, so that the
// answer does not tell which accounts exist.
func errBadLogin() *wijkhelpt.Error {
	return &wijkhelpt.Error{Code: wijkhelpt.ErrUnauthorized, Message: wijkhelpt.T(
		"Het e-mailadres of het wachtwoord klopt niet.",
		"The email address or the password is not correct.")}
}

// authenticate checks an email address and password, throttled per account
// and per client address ip (c.IP()). It returns the user, or an
// unauthorized or rate-limited *wijkhelpt.Error.
func (a *App) authenticate(ctx context.Context, email, password, ip string) (*wijkhelpt.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	now := a.now()
	if err := a.limit(ctx, "login:ip:"+ip, loginPerIP, loginWindow, now); err != nil {
		return nil, err
	}
	if err := a.limit(ctx, "login:acct:"+wijkhelpt.HashToken(email)[:32], loginPerAccount, loginWindow, now); err != nil {
		return nil, err
	}
	u, err := a.deps.Store.FindUserByEmail(ctx, email)
	if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
		// Spend the same time as for a real account.
		CheckPassword(a.dummyHash, password)
		return nil, errBadLogin()
	}
	if err != nil {
		return nil, err
	}
	if !CheckPassword(u.PasswordHash, password) || u.Disabled {
		return nil, errBadLogin()
	}
	return u, nil
}

// login starts a new session for u and sets its cookie. Any session the
// browser had is ended first, so a session ID planted before login is
// worth nothing after it.
func (a *App) login(c *fiber.Ctx, u *wijkhelpt.User) error {
	ctx := c.UserContext()
	if err := a.endSession(c); err != nil {
		return err
	}
	now := a.now()
	raw := wijkhelpt.NewToken()
	v := a.viewer(c)
	s := &wijkhelpt.Session{
		ID:        wijkhelpt.HashToken(raw),
		UserID:    u.ID,
		Role:      u.Role,
		CSRF:      wijkhelpt.NewToken(),
		Lang:      v.Lang,
		CreatedAt: now,
		LastSeen:  now,
		ExpiresAt: sessionExpiry(u.Role, now, now),
	}
	if err := a.deps.Store.SaveSession(ctx, s); err != nil {
		return err
	}
	life := volunteerLifetime
	if u.Role.IsStaff() {
		life = staffLifetime
	}
	a.setCookie(c, a.sessionCookie(), raw, life)
	a.setCookie(c, a.csrfCookie(), "", -1)
	v.LoggedIn, v.UserID, v.Name, v.Role, v.OfferID = true, u.ID, u.Name, u.Role, u.OfferID
	v.CSRF, v.sessionID, v.tokenID = s.CSRF, s.ID, ""
	c.Locals(viewerKey, v)
	return a.audit(ctx, v.actor(), "login", u.ID)
}

// logout ends the viewer's session and removes the cookie.
func (a *App) logout(c *fiber.Ctx) error {
	v := a.viewer(c)
	if err := a.endSession(c); err != nil {
		return err
	}
	c.Locals(viewerKey, viewer{Lang: v.Lang})
	if v.sessionID == "" {
		return nil
	}
	return a.audit(c.UserContext(), v.actor(), "logout", v.UserID)
}

// endSession deletes the session the browser presents, if any.
func (a *App) endSession(c *fiber.Ctx) error {
	raw := c.Cookies(a.sessionCookie())
	if raw == "" {
		return nil
	}
	a.setCookie(c, a.sessionCookie(), "", -1)
	err := a.deps.Store.DeleteSession(c.UserContext(), wijkhelpt.HashToken(raw))
	if err != nil && wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound {
		return err
	}
	return nil
}
