package portal

import (
	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// Logging in and out. Staff and volunteers log in with email and password;
// the form uses the autocomplete names password managers look for, and
// allows pasting.

var loginFieldOrder = []string{"email", "password"}

// homeFor is where a role lands after logging in.
func homeFor(role wijkhelpt.Role) string {
	switch role {
	case wijkhelpt.RoleVolunteer:
		return "/vrijwilliger"
	case wijkhelpt.RolePhone:
		return "/telefoon"
	case wijkhelpt.RoleMediator:
		return "/bemiddeling"
	case wijkhelpt.RoleAdmin:
		return "/beheer"
	}
	return "/"
}

func (s *site) loginForm(c *fiber.Ctx) error {
	p := s.page(c, "login")
	p.Form.order = loginFieldOrder
	p.Form.Set("next", c.Query("next"))
	if v := s.viewer(c); v.LoggedIn {
		p.D = homeFor(v.Role)
	}
	return s.views.render(c, fiber.StatusOK, "login", p)
}

func (s *site) loginSubmit(c *fiber.Ctx) error {
	p := s.page(c, "login")
	p.Form.order = loginFieldOrder
	email, password := c.FormValue("email"), c.FormValue("password")
	p.Form.Set("email", email)
	p.Form.Set("next", c.FormValue("next"))
	errs := wijkhelpt.FieldErrors{}
	if email == "" {
		errs.Add("email", wijkhelpt.T("Vul uw e-mailadres in.", "Enter your email address."))
	}
	if password == "" {
		errs.Add("password", wijkhelpt.T("Vul uw wachtwoord in.", "Enter your password."))
	}
	if err := errs.Err(); err != nil {
		p.Form.Fail(err)
		return s.views.render(c, fiber.StatusUnprocessableEntity, "login", p)
	}
	u, err := s.authenticate(c.UserContext(), email, password, c.IP())
	if err != nil {
		switch wijkhelpt.ErrorCodeOf(err) {
		case wijkhelpt.ErrUnauthorized:
			p.Form.Fail(err)
			return s.views.render(c, fiber.StatusUnauthorized, "login", p)
		case wijkhelpt.ErrRateLimited:
			p.Form.Fail(err)
			return s.views.render(c, fiber.StatusTooManyRequests, "login", p)
		}
		return err
	}
	if err := s.login(c, u); err != nil {
		return err
	}
	next := safeNext(c.FormValue("next"))
	if next == "/" {
		next = homeFor(u.Role)
	}
	return redirect(c, next, "")
}

// logoutForm is for links to /uitloggen: logging out changes state, so it
// takes a POST from this button.
func (s *site) logoutForm(c *fiber.Ctx) error {
	return s.views.render(c, fiber.StatusOK, "logout", s.page(c, ""))
}

func (s *site) logoutSubmit(c *fiber.Ctx) error {
	if err := s.logout(c); err != nil {
		return err
	}
	return redirect(c, "/", "loggedout")
}
