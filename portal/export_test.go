package portal

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// Test-only routes for the external tests (package portal_test), which may
// wire the real store. They drive the core's login machinery directly, so
// the session, CSRF and throttling tests do not depend on the HTML pages.
//
//	POST /test/login   form email, password  -> 204 and the session cookie
//	POST /test/logout                        -> 204
//	GET  /test/viewer                        -> the viewer as JSON
//	POST /test/form                          -> 204 (a state-changing page route)
//	GET  /test/staff                         -> 204 for staff, else requireRole's answer
//	GET  /test/fail                          -> an internal error from a dependency
//	GET  /test/panic                         -> a handler that panics
//	GET  /test/background                    -> 204 once login codes being sent are sent
func NewWithTestRoutes(d Deps) (*fiber.App, error) {
	return build(d, func(a *App, r fiber.Router) {
		r.Get("/test/background", func(c *fiber.Ctx) error {
			a.background.Wait()
			return c.SendStatus(fiber.StatusNoContent)
		})
		r.Post("/test/login", func(c *fiber.Ctx) error {
			u, err := a.authenticate(c.UserContext(), c.FormValue("email"), c.FormValue("password"), c.IP())
			if err != nil {
				return err
			}
			if err := a.login(c, u); err != nil {
				return err
			}
			return c.SendStatus(fiber.StatusNoContent)
		})
		r.Post("/test/logout", func(c *fiber.Ctx) error {
			if err := a.logout(c); err != nil {
				return err
			}
			return c.SendStatus(fiber.StatusNoContent)
		})
		r.Get("/test/viewer", func(c *fiber.Ctx) error {
			v := a.viewer(c)
			return c.JSON(fiber.Map{"userId": v.UserID, "role": v.Role, "offerId": v.OfferID,
				"lang": v.Lang, "csrf": v.CSRF, "loggedIn": v.LoggedIn})
		})
		r.Post("/test/form", func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
		r.Get("/test/fail", func(c *fiber.Ctx) error {
			return fmt.Errorf("store: find request 1234: %w", errors.New("connection reset by peer"))
		})
		r.Get("/test/panic", func(c *fiber.Ctx) error {
			var m map[string]int
			m["boom"]++
			return nil
		})
		r.Get("/test/staff", a.requireRole(staffRoles...), func(c *fiber.Ctx) error {
			return c.SendStatus(fiber.StatusNoContent)
		})
	})
}

// LoginCodeID is the ID of the document that holds a number's login code.
var LoginCodeID = loginCodeID
