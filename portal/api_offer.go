package portal

import (
	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// Offers through the API: staff register them (volunteers register through
// the /aanbod page) and read them; a volunteer reads only their own.
func (a *App) offerRoutes(r fiber.Router) {
	r.Post("/offers", a.requireRole(staffRoles...), a.apiCreateOffer)
	r.Get("/offers/:id", a.requireRole(wijkhelpt.Roles()...), a.apiGetOffer)
}

func (a *App) apiCreateOffer(c *fiber.Ctx) error {
	var in wijkhelpt.OfferInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	o, _, err := a.deps.Desk.RegisterOffer(c.UserContext(), in, a.viewer(c).actor(), "")
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

func (a *App) apiGetOffer(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := a.viewer(c)
	id := c.Params("id")
	if !v.Role.IsStaff() && (v.OfferID == "" || v.OfferID != id) {
		return notFoundOffer()
	}
	o, err := a.deps.Store.FindOffer(ctx, id)
	if err != nil {
		return err
	}
	if err := a.audit(ctx, v.actor(), "view_offer", o.ID); err != nil {
		return err
	}
	return c.JSON(o)
}
