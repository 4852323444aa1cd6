package portal

import (
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// Administration: accounts and roles, the partner organisations, and
// recording a volunteer's VOG certificate with its date.

var userFieldOrder = []string{"user.name", "user.email", "user.role", "user.password"}

type adminData struct {
	Users         []*wijkhelpt.User
	Organisations []*wijkhelpt.Offer
	Query         string
	Offers        []*wijkhelpt.Offer
	Searched      bool
	Today         string
	Self          string
}

func (s *site) admin(c *fiber.Ctx) error {
	return s.renderAdmin(c, fiber.StatusOK, s.page(c, "admin"))
}

func (s *site) renderAdmin(c *fiber.Ctx, status int, p *page) error {
	ctx := c.UserContext()
	v := s.viewer(c)
	users, err := s.deps.Store.FindUsers(ctx)
	if err != nil {
		return err
	}
	if err := s.audit(ctx, v.actor(), "view_users", ""); err != nil {
		return err
	}
	sort.Slice(users, func(i, j int) bool {
		if users[i].Role != users[j].Role {
			return roleRank(users[i].Role) > roleRank(users[j].Role)
		}
		return strings.ToLower(users[i].Name) < strings.ToLower(users[j].Name)
	})
	d := adminData{Users: users, Query: strings.TrimSpace(c.Query("vog")), Today: s.today(), Self: v.UserID}
	all, err := s.deps.Store.FindOffers(ctx, wijkhelpt.OfferFilter{Limit: 1000})
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Kind == wijkhelpt.OfferOrganisation {
			d.Organisations = append(d.Organisations, o)
		}
	}
	sort.Slice(d.Organisations, func(i, j int) bool { return d.Organisations[i].Organisation < d.Organisations[j].Organisation })
	if d.Query != "" {
		d.Searched = true
		if d.Offers, err = s.deps.Store.FindOffers(ctx, wijkhelpt.OfferFilter{Query: d.Query, Limit: 20}); err != nil {
			return err
		}
	}
	p.D = d
	return s.views.render(c, status, "admin", p)
}

func roleRank(r wijkhelpt.Role) int {
	for i, x := range wijkhelpt.Roles() {
		if x == r {
			return i
		}
	}
	return -1
}

// adminRefused shows the page again with what is wrong.
func (s *site) adminRefused(c *fiber.Ctx, err error, order ...string) error {
	code := wijkhelpt.ErrorCodeOf(err)
	if code != wijkhelpt.ErrConflict && code != wijkhelpt.ErrInvalid {
		return err
	}
	p := s.page(c, "admin")
	p.Form.order = order
	fillForm(p.Form, postValues(c))
	p.Form.Set("user.password")
	p.Form.Fail(err)
	return s.renderAdmin(c, statusOf(code), p)
}

// adminUserCreate adds a staff or volunteer account.
func (s *site) adminUserCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	name := strings.TrimSpace(c.FormValue("user.name"))
	email := strings.ToLower(strings.TrimSpace(c.FormValue("user.email")))
	password := c.FormValue("user.password")
	errs := wijkhelpt.FieldErrors{}
	if name == "" || len([]rune(name)) > wijkhelpt.MaxNameLen {
		errs.Add("user.name", wijkhelpt.T("Vul een naam in van hooguit 100 tekens.", "Enter a name of at most 100 characters."))
	}
	if !strings.Contains(email, "@") || strings.ContainsAny(email, " \t\r\n") {
		errs.Add("user.email", wijkhelpt.T("Vul een geldig e-mailadres in.", "Enter a valid email address."))
	} else if _, err := s.deps.Store.FindUserByEmail(ctx, email); err == nil {
		errs.Add("user.email", wijkhelpt.T("Er is al een account met dit e-mailadres.", "There is already an account with this email address."))
	} else if wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound {
		return err
	}
	role, err := wijkhelpt.ParseRole(c.FormValue("user.role"))
	if err != nil {
		errs.Add("user.role", wijkhelpt.T("Kies een rol.", "Choose a role."))
	}
	if len(password) < MinPasswordLen || len(password) > maxPasswordLen {
		errs.Add("user.password", wijkhelpt.T("Kies een wachtwoord van minstens 10 tekens.", "Choose a password of at least 10 characters."))
	}
	if err := errs.Err(); err != nil {
		return s.adminRefused(c, err, userFieldOrder...)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	now := s.now()
	u := &wijkhelpt.User{ID: wijkhelpt.NewID(), Email: email, Name: name, Role: role, PasswordHash: hash,
		CreatedAt: now, UpdatedAt: now, SchemaVersion: wijkhelpt.SchemaVersion}
	if err := s.deps.Store.CreateUser(ctx, u); err != nil {
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrConflict {
			return s.adminRefused(c, wijkhelpt.Invalid("user.email", wijkhelpt.T(
				"Er is al een account met dit e-mailadres.", "There is already an account with this email address.")), userFieldOrder...)
		}
		return err
	}
	return redirect(c, "/beheer#gebruikers", "user")
}

// adminUserUpdate changes a user's role or switches the account off or on.
// Admins cannot demote or disable themselves, so the desk always keeps one.
func (s *site) adminUserUpdate(c *fiber.Ctx) error {
	id := c.Params("id")
	role, err := wijkhelpt.ParseRole(c.FormValue("role"))
	if err != nil {
		return s.adminRefused(c, wijkhelpt.Invalid("role-"+id, wijkhelpt.T("Kies een rol.", "Choose a role.")))
	}
	disabled := c.FormValue("disabled") == "1"
	if id == s.viewer(c).UserID && (role != wijkhelpt.RoleAdmin || disabled) {
		return s.adminRefused(c, wijkhelpt.Conflict(wijkhelpt.T(
			"U kunt uw eigen beheerrechten niet weghalen. Vraag een andere beheerder.",
			"You cannot take away your own administrator rights. Ask another administrator.")))
	}
	now := s.now()
	if _, err := s.deps.Store.UpdateUser(c.UserContext(), id, func(u *wijkhelpt.User) error {
		if role == wijkhelpt.RoleVolunteer && u.OfferID == "" && u.Role != wijkhelpt.RoleVolunteer {
			return wijkhelpt.Conflict(wijkhelpt.T(
				"Een vrijwilliger heeft een aanbod nodig. Laat de persoon zich aanmelden via ‘Ik wil helpen’.",
				"A volunteer needs an offer. Have the person sign up through ‘I want to help’."))
		}
		u.Role, u.Disabled, u.UpdatedAt = role, disabled, now
		return nil
	}); err != nil {
		return s.adminRefused(c, err)
	}
	return redirect(c, "/beheer#gebruikers", "user")
}

// adminVOG records the date of a volunteer's verified VOG certificate, or
// clears it. Categories that need a VOG count for the volunteer from then
// on, for three years.
func (s *site) adminVOG(c *fiber.Ctx) error {
	id := c.Params("id")
	field := "vog-" + id
	raw := strings.TrimSpace(c.FormValue("vogDate"))
	date := normalizeDate(raw)
	if raw != "" {
		d, ok := wijkhelpt.ParseDate(date)
		switch {
		case !ok:
			return s.adminRefused(c, wijkhelpt.Invalid(field, wijkhelpt.T("Vul de datum van de VOG in, bijvoorbeeld 31-01-2026.", "Enter the VOG's date, for example 2026-01-31.")), field)
		case date > s.today():
			return s.adminRefused(c, wijkhelpt.Invalid(field, wijkhelpt.T("Deze datum ligt in de toekomst.", "This date is in the future.")), field)
		case d.AddDate(wijkhelpt.VOGValidityYears, 0, 0).Format(wijkhelpt.DateLayout) <= s.today():
			return s.adminRefused(c, wijkhelpt.Invalid(field, wijkhelpt.T("Deze VOG is ouder dan drie jaar en telt niet meer. Vraag een nieuwe aan.", "This VOG is more than three years old and no longer counts. Request a new one.")), field)
		}
	}
	by, now := s.viewer(c).actor(), s.now()
	if _, err := s.deps.Store.UpdateOffer(c.UserContext(), id, func(o *wijkhelpt.Offer) error {
		o.VOGDate, o.UpdatedAt = date, now
		return nil
	}); err != nil {
		return s.adminRefused(c, err, field)
	}
	if err := s.audit(c.UserContext(), by, "record_vog", id); err != nil {
		return err
	}
	q := c.FormValue("vog")
	return redirect(c, "/beheer?vog="+urlQueryEscape(q)+"#vog", "vog")
}
