package portal

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime/debug"
	"time"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// contentSecurityPolicy allows only our own scripts, styles, images and
// forms, and no framing: pages show personal data and must not be embedded.
const contentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'self'; " +
	"frame-ancestors 'none'; object-src 'none'; img-src 'self' data:"

// retryAfterSeconds is what a rate-limited caller is told to wait.
const retryAfterSeconds = 60

// Rate limits for the open endpoints, per client address.
const (
	classifyPerMinute = 60
	intakePerHour     = 30
)

// securityHeaders sets the headers every response carries. Handlers may
// override Cache-Control (static files are cacheable; nothing else is,
// because pages and the API show personal data).
func (a *App) securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	c.Set(fiber.HeaderCacheControl, "no-store")
	if a.deps.SecureCookies {
		c.Set(fiber.HeaderStrictTransportSecurity, "max-age=31536000; includeSubDomains")
	}
	return c.Next()
}

// recoverPanic turns a panic in a handler into a logged 500, so that one bad
// request does not take the process down. The stack is logged; the request
// data is not.
func (a *App) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			a.log.ErrorContext(c.UserContext(), "handler panicked",
				"method", c.Method(), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = &httpError{fiber.StatusInternalServerError, string(wijkhelpt.ErrInternal), wijkhelpt.AsError(errPanic).Message}
		}
	}()
	return c.Next()
}

var errPanic = errors.New("portal: handler panicked")

// limit counts one attempt under key and refuses with a rate-limited error
// once there were more than n in the window.
func (a *App) limit(ctx context.Context, key string, n int64, window time.Duration, now time.Time) error {
	got, err := a.deps.Store.Hit(ctx, key, window, now)
	if err != nil {
		return err
	}
	if got > n {
		return errRateLimited()
	}
	return nil
}

// sameOrigin reports whether a state-changing request comes from our own
// pages: its Origin, or else its Referer, must be PublicURL's origin. A
// request with neither (not a browser) passes here and still needs its
// CSRF token.
func (a *App) sameOrigin(c *fiber.Ctx) bool {
	if o := c.Get(fiber.HeaderOrigin); o != "" {
		return o == a.origin
	}
	if r := c.Get(fiber.HeaderReferer); r != "" {
		u, err := url.Parse(r)
		return err == nil && u.Scheme+"://"+u.Host == a.origin
	}
	return true
}

// checkCSRF refuses a state-changing request (POST, PUT, PATCH, DELETE)
// that lacks the viewer's CSRF token or comes from another origin. It runs
// after identify. Webhooks are registered before it and never get here; API
// calls with a bearer token or without any session need no token.
func (a *App) checkCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	v := a.viewer(c)
	if isAPI(c.Path()) {
		if v.viaToken() || v.sessionID == "" {
			return c.Next()
		}
		if !a.sameOrigin(c) || !tokensEqual(c.Get(CSRFHeader), v.CSRF) {
			return errCSRF
		}
		return c.Next()
	}
	if !a.sameOrigin(c) {
		return errCSRF
	}
	tok := c.Get(CSRFHeader)
	if tok == "" {
		tok = c.FormValue(CSRFField)
	}
	if !tokensEqual(tok, v.CSRF) {
		return errCSRF
	}
	return c.Next()
}

// apiOnly marks API responses: JSON, never cached.
func (a *App) apiOnly(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}
