package portal

import (
	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// Call-back tasks: people without a mobile phone are phoned instead of sent
// an SMS (spec flow 5). The list holds names and phone numbers, so reading
// it is audited.
func (a *App) callbackRoutes(r fiber.Router) {
	r.Get("/callbacks", a.requireRole(staffRoles...), a.apiCallbacks)
	r.Post("/callbacks/:id/done", a.requireRole(staffRoles...), a.apiCallbackDone)
}

type callbackList struct {
	Callbacks []wijkhelpt.Callback `json:"callbacks"`
}

func (a *App) apiCallbacks(c *fiber.Ctx) error {
	if a.deps.Notifier == nil {
		return errUnavailable()
	}
	ctx := c.UserContext()
	cbs, err := a.deps.Notifier.Callbacks(ctx)
	if err != nil {
		return err
	}
	if err := a.audit(ctx, a.viewer(c).actor(), "view_callbacks", ""); err != nil {
		return err
	}
	if cbs == nil {
		cbs = []wijkhelpt.Callback{}
	}
	return c.JSON(callbackList{Callbacks: cbs})
}

func (a *App) apiCallbackDone(c *fiber.Ctx) error {
	if a.deps.Notifier == nil {
		return errUnavailable()
	}
	if err := a.deps.Notifier.CallbackDone(c.UserContext(), c.Params("id"), a.viewer(c).actor()); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
