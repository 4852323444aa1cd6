// Package portal is the web face of WijkHelpt: the HTML pages for residents,
// volunteers and desk staff, the JSON API under /api/v1, the Twilio webhooks
// and the health endpoints, all in one Fiber app.
//
// Request flow: security headers and body limit -> health, metrics and
// webhooks (no session) -> identify (session cookie or bearer token; sets
// the viewer) -> CSRF and origin check for state-changing requests -> the
// API routes -> the pages (page_routes.go) -> 404.
package portal

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// BodyLimit is the largest request body accepted: forms and JSON of the desk
// are small, and a large body is an attack or a mistake.
const BodyLimit = 64 * 1024

// App holds the portal's dependencies and the values derived from them once
// at start. Handlers are its methods; it has no mutable state.
type App struct {
	deps   Deps
	log    *slog.Logger
	origin string // scheme://host[:port] of PublicURL, for origin checks
	base   string // PublicURL without a trailing slash

	// pageError renders an error as an HTML page for non-API routes. The
	// pages set it in pages(); until then errors are plain text.
	pageError func(c *fiber.Ctx, status int, e *wijkhelpt.Error) error

	// dummyHash is checked against when an account does not exist, so that
	// a login for an unknown address takes as long as for a known one.
	dummyHash string

	// background counts work that outlives its request (login codes being
	// sent); the app's shutdown waits for it.
	background sync.WaitGroup
}

// New checks d and builds the Fiber app with every route.
func New(d Deps) (*fiber.App, error) { return build(d, nil) }

// build is New with extra routes registered after the API and before the
// pages, for tests of the session machinery (export_test.go).
func build(d Deps, extra func(a *App, r fiber.Router)) (*fiber.App, error) {
	a, err := newApp(d)
	if err != nil {
		return nil, err
	}
	cfg := fiber.Config{
		Immutable:             true,
		BodyLimit:             BodyLimit,
		ErrorHandler:          a.handleError,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
	}
	if d.ProxyHeader != "" {
		cfg.ProxyHeader = d.ProxyHeader
		cfg.EnableTrustedProxyCheck = true
		cfg.TrustedProxies = d.TrustedProxies
	}
	app := fiber.New(cfg)
	if err := a.routes(app, extra); err != nil {
		return nil, err
	}
	app.Hooks().OnShutdown(func() error {
		a.background.Wait()
		return nil
	})
	return app, nil
}

func newApp(d Deps) (*App, error) {
	if d.Store == nil {
		return nil, errors.New("portal: Deps.Store is required")
	}
	if d.Desk == nil {
		return nil, errors.New("portal: Deps.Desk is required")
	}
	u, err := url.Parse(d.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("portal: Deps.PublicURL must be an absolute http(s) URL")
	}
	if d.SecureCookies && u.Scheme != "https" {
		return nil, errors.New("portal: secure cookies need an https PublicURL")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.AnswerTimeout <= 0 {
		d.AnswerTimeout = wijkhelpt.DefaultAnswerTimeout
	}
	dummy, err := HashPassword(wijkhelpt.NewToken())
	if err != nil {
		return nil, err
	}
	return &App{
		deps:      d,
		log:       d.Logger,
		origin:    u.Scheme + "://" + u.Host,
		base:      strings.TrimRight(d.PublicURL, "/"),
		dummyHash: dummy,
	}, nil
}

// routes registers everything in the order the flow above describes. Fiber
// runs handlers in registration order, so routes registered before identify
// never touch a session.
func (a *App) routes(app *fiber.App, extra func(a *App, r fiber.Router)) error {
	app.Use(a.recoverPanic, a.securityHeaders)
	a.healthRoutes(app)
	a.webhookRoutes(app)

	app.Use(a.identify, a.checkCSRF)
	api := app.Group("/api/v1", a.apiOnly)
	a.apiRoutes(api)
	app.Use("/api", func(c *fiber.Ctx) error { return errNoRoute })
	if extra != nil {
		extra(a, app)
	}

	if err := a.pages(app); err != nil {
		return err
	}
	app.Use(func(c *fiber.Ctx) error { return errNoRoute })
	return nil
}

// apiRoutes registers the JSON API; each api_*.go file adds its part.
func (a *App) apiRoutes(r fiber.Router) {
	a.requestRoutes(r)
	a.offerRoutes(r)
	a.matchRoutes(r)
	a.classifyRoutes(r)
	a.callbackRoutes(r)
}

// audit records that actor did action on objectID. Views of personal data
// are audited before the data is sent: when the record cannot be written,
// the data is not shown.
func (a *App) audit(ctx context.Context, actor wijkhelpt.Actor, action, objectID string) error {
	return a.deps.Store.Audit(ctx, actor, action, objectID, a.now())
}

// queued nudges the notifier when r holds messages it has not picked up
// yet, so that they go out now rather than at its next look for work, which
// on a large store may be a minute away.
func (a *App) queued(r *wijkhelpt.Request) {
	if a.deps.Notifier == nil || r == nil {
		return
	}
	for _, m := range r.Outbox {
		if !m.Relayed && !m.Cancelled {
			a.deps.Notifier.Wake()
			return
		}
	}
}

// now is the portal's clock.
func (a *App) now() time.Time { return a.deps.Now() }

// today is the desk's current date (Amsterdam) as YYYY-MM-DD.
func (a *App) today() string {
	return a.now().In(wijkhelpt.Amsterdam()).Format(wijkhelpt.DateLayout)
}

// isAPI reports whether the path belongs to the JSON API, which answers
// errors in JSON rather than HTML.
func isAPI(path string) bool { return path == "/api" || strings.HasPrefix(path, "/api/") }

// safeNext returns next when it is a path on this site, and "/" otherwise,
// so that a login link cannot send people to another site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// pageLang is the language for pages: ?lang=nl|en (remembered in a cookie
// when remember is set), else the cookie, else Dutch.
func (a *App) pageLang(c *fiber.Ctx, remember bool) string {
	if l := c.Query("lang"); l == "nl" || l == "en" {
		if remember && c.Cookies(langCookie) != l {
			a.setCookie(c, langCookie, l, 365*24*time.Hour)
		}
		return l
	}
	if l := c.Cookies(langCookie); l == "nl" || l == "en" {
		return l
	}
	return "nl"
}

// apiLang is the language for API messages: ?lang, else the first of
// Dutch or English in Accept-Language, else the cookie, else Dutch.
func (a *App) apiLang(c *fiber.Ctx) string {
	if l := c.Query("lang"); l == "nl" || l == "en" {
		return l
	}
	if l := acceptLanguage(c.Get(fiber.HeaderAcceptLanguage)); l != "" {
		return l
	}
	return a.pageLang(c, false)
}

// langCookie remembers the chosen language. It holds no secret, so it needs
// no __Host- prefix.
const langCookie = "wh-lang"

// acceptLanguage returns "nl" or "en", whichever Accept-Language prefers,
// or "" when it names neither. Quality values are honoured.
func acceptLanguage(h string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		lang, _, _ := strings.Cut(tag, "-")
		if lang != "nl" && lang != "en" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if q > bestQ && q > 0 {
			best, bestQ = lang, q
		}
	}
	return best
}
