package portal

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// Logging in and out. Staff and volunteers log in with email and password;
// the form uses the autocomplete names password managers look for, and
// allows pasting. Volunteers may instead ask for a one-time code by SMS
// (logincode.go): one page asks for the mobile number, the next for the
// code.

var (
	loginFieldOrder     = []string{"email", "password"}
	loginCodeFieldOrder = []string{"phone", "code"}
)

// loginData is the login page: where a viewer who is logged in already
// would go, and whether the SMS code is on offer (only with a notifier).
type loginData struct {
	Home string
	SMS  bool
}

// loginCodeData is the SMS code page: asking for the number (Phone empty),
// or for the code sent to Phone (E.164).
type loginCodeData struct {
	Phone string
	Valid int // minutes
}

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
	d := loginData{SMS: s.deps.Notifier != nil}
	if v := s.viewer(c); v.LoggedIn {
		d.Home = homeFor(v.Role)
	}
	p.D = d
	return s.views.render(c, fiber.StatusOK, "login", p)
}

func (s *site) loginSubmit(c *fiber.Ctx) error {
	p := s.page(c, "login")
	p.Form.order = loginFieldOrder
	email, password := c.FormValue("email"), c.FormValue("password")
	p.Form.Set("email", email)
	p.Form.Set("next", c.FormValue("next"))
	p.D = loginData{SMS: s.deps.Notifier != nil}
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
	return s.loggedIn(c, u)
}

// loginCodeForm asks a volunteer for the mobile number to send a code to.
func (s *site) loginCodeForm(c *fiber.Ctx) error {
	if s.deps.Notifier == nil {
		return errUnavailable()
	}
	p := s.page(c, "login")
	p.Form.order = loginCodeFieldOrder
	p.Form.Set("next", c.Query("next"))
	p.D = loginCodeData{Valid: int(loginCodeTTL / time.Minute)}
	return s.views.render(c, fiber.StatusOK, "login_code", p)
}

// loginCodeSend sends a code when the number belongs to a volunteer, and
// asks for the code: the same page for every number.
func (s *site) loginCodeSend(c *fiber.Ctx) error {
	if s.deps.Notifier == nil {
		return errUnavailable()
	}
	p := s.page(c, "login")
	p.Form.order = loginCodeFieldOrder
	typed := c.FormValue("phone")
	p.Form.Set("phone", typed)
	p.Form.Set("next", c.FormValue("next"))
	d := loginCodeData{Valid: int(loginCodeTTL / time.Minute)}
	p.D = d
	phone, mobile, err := s.deps.Desk.Locator.NormalizePhone(typed)
	errs := wijkhelpt.FieldErrors{}
	switch {
	case strings.TrimSpace(typed) == "":
		errs.Add("phone", wijkhelpt.T("Vul je mobiele nummer in.", "Enter your mobile number."))
	case err != nil:
		if !errs.Merge("phone", err) {
			return err
		}
	case !mobile:
		errs.Add("phone", wijkhelpt.T("Dit is geen mobiel nummer. Een code per sms kan alleen naar een mobiel nummer, zoals 06-12345678.",
			"This is not a mobile number. A code by text message can only go to a mobile number, such as 06-12345678."))
	}
	if err := errs.Err(); err != nil {
		p.Form.Fail(err)
		return s.views.render(c, fiber.StatusUnprocessableEntity, "login_code", p)
	}
	if err := s.sendLoginCode(c.UserContext(), phone, p.Lang, c.IP()); err != nil {
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrRateLimited {
			p.Form.Fail(err)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfterSeconds))
			return s.views.render(c, fiber.StatusTooManyRequests, "login_code", p)
		}
		return err
	}
	d.Phone = phone
	p.D = d
	return s.views.render(c, fiber.StatusOK, "login_code", p)
}

// loginCodeSubmit logs a volunteer in with the code from the SMS.
func (s *site) loginCodeSubmit(c *fiber.Ctx) error {
	if s.deps.Notifier == nil {
		return errUnavailable()
	}
	p := s.page(c, "login")
	p.Form.order = loginCodeFieldOrder
	typed := c.FormValue("code")
	p.Form.Set("code", typed)
	p.Form.Set("next", c.FormValue("next"))
	d := loginCodeData{Valid: int(loginCodeTTL / time.Minute)}
	phone, mobile, err := s.deps.Desk.Locator.NormalizePhone(c.FormValue("phone"))
	if err != nil || !mobile {
		// The number comes from our own page: start again from there.
		p.Form.Fail(wijkhelpt.Invalid("phone", wijkhelpt.T("Vul je mobiele nummer opnieuw in.", "Enter your mobile number again.")))
		p.D = d
		return s.views.render(c, fiber.StatusUnprocessableEntity, "login_code", p)
	}
	d.Phone = phone
	p.D = d
	code := cleanCode(typed)
	if code == "" {
		p.Form.Fail(wijkhelpt.Invalid("code", wijkhelpt.T("Vul de code van 6 cijfers uit de sms in.", "Enter the 6-digit code from the text message.")))
		return s.views.render(c, fiber.StatusUnprocessableEntity, "login_code", p)
	}
	u, err := s.checkLoginCode(c.UserContext(), phone, code, c.IP())
	if err != nil {
		switch wijkhelpt.ErrorCodeOf(err) {
		case wijkhelpt.ErrInvalid:
			p.Form.Fail(err)
			return s.views.render(c, fiber.StatusUnprocessableEntity, "login_code", p)
		case wijkhelpt.ErrRateLimited:
			p.Form.Fail(err)
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retryAfterSeconds))
			return s.views.render(c, fiber.StatusTooManyRequests, "login_code", p)
		}
		return err
	}
	return s.loggedIn(c, u)
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

// loggedIn starts u's session, by password or by SMS code alike, and sends
// them on to the page they came for, or to their role's home page.
func (s *site) loggedIn(c *fiber.Ctx, u *wijkhelpt.User) error {
	if err := s.login(c, u); err != nil {
		return err
	}
	next := safeNext(c.FormValue("next"))
	if next == "/" {
		next = homeFor(u.Role)
	}
	return redirect(c, next, "")
}
