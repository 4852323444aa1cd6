package portal

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// Volunteer and organisation registration (spec flow 2). A visitor who
// registers gets an offer and an account (role volunteer) and is logged in;
// staff who register someone else get only the offer.

var offerFieldOrder = []string{"kind", "organisation", "name", "email", "password", "phone", "postcode",
	"houseNumber", "categories", "text", "slots", "away", "maxDistanceKm", "capacity", "transport", "languages"}

// offerInputFrom reads the registration form into the Desk's input, with
// errors for what only the form can get wrong (numbers that are not numbers,
// half a period away).
func offerInputFrom(f *form) (wijkhelpt.OfferInput, wijkhelpt.FieldErrors) {
	errs := wijkhelpt.FieldErrors{}
	in := wijkhelpt.OfferInput{
		Kind:         f.Get("kind"),
		Name:         f.Get("name"),
		Organisation: f.Get("organisation"),
		Phone:        f.Get("phone"),
		Email:        f.Get("email"),
		Postcode:     f.Get("postcode"),
		HouseNumber:  f.Get("houseNumber"),
		Categories:   f.values["categories"],
		Slots:        f.values["slots"],
		Text:         f.Get("text"),
		Transport:    f.Get("transport"),
	}
	if in.Kind != wijkhelpt.OfferOrganisation {
		in.Organisation = ""
	}
	if s := strings.TrimSpace(f.Get("maxDistanceKm")); s != "" {
		km, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
		if err != nil {
			errs.Add("maxDistanceKm", wijkhelpt.T("Vul een getal in, bijvoorbeeld 5.", "Enter a number, for example 5."))
		} else {
			in.MaxDistanceKm = km
		}
	}
	if s := strings.TrimSpace(f.Get("capacity")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			errs.Add("capacity", wijkhelpt.T("Vul een heel getal in, bijvoorbeeld 2.", "Enter a whole number, for example 2."))
		} else {
			in.Capacity = n
		}
	}
	for _, l := range strings.FieldsFunc(f.Get("languages"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		in.Languages = append(in.Languages, l)
	}
	from, to := normalizeDate(f.Get("away.from")), normalizeDate(f.Get("away.to"))
	switch {
	case from == "" && to == "":
	case from == "" || to == "":
		errs.Add("away", wijkhelpt.T("Vul zowel de eerste als de laatste dag in.", "Enter both the first and the last day."))
	default:
		in.Away = []wijkhelpt.Period{{From: from, To: to}}
	}
	return in, errs
}

// offerForm shows the registration form, or, for a volunteer who already
// has an account, a link to their page.
func (s *site) offerForm(c *fiber.Ctx) error {
	p := s.page(c, "offer")
	p.Form.order = offerFieldOrder
	p.Form.Set("kind", wijkhelpt.OfferVolunteer)
	if c.Query("soort") == "organisatie" {
		p.Form.Set("kind", wijkhelpt.OfferOrganisation)
	}
	p.Form.Set("maxDistanceKm", strconv.Itoa(wijkhelpt.DefaultMaxDistanceKm))
	p.Form.Set("capacity", strconv.Itoa(wijkhelpt.DefaultCapacity))
	return s.views.render(c, fiber.StatusOK, "offer_form", p)
}

// offerSubmit registers an offer through the Desk, as the API does, and
// for a visitor also their account; then it logs them in.
func (s *site) offerSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := s.viewer(c)
	p := s.page(c, "offer")
	p.Form.order = offerFieldOrder
	fillForm(p.Form, postValues(c))
	if v.LoggedIn && !v.Role.IsStaff() {
		return redirect(c, "/vrijwilliger", "")
	}
	account := !v.LoggedIn
	in, errs := offerInputFrom(p.Form)
	password := p.Form.Get("password")
	p.Form.Set("password") // a password is never sent back to the browser
	if account {
		if err := s.limit(ctx, "intake:ip:"+c.IP(), intakePerHour, time.Hour, s.now()); err != nil {
			p.Form.Fail(err)
			return s.views.render(c, fiber.StatusTooManyRequests, "offer_form", p)
		}
		email := strings.ToLower(strings.TrimSpace(in.Email))
		switch {
		case email == "":
			errs.Add("email", wijkhelpt.T("Vul je e-mailadres in. Daarmee log je later in.", "Enter your email address. You will use it to log in."))
		default:
			_, err := s.deps.Store.FindUserByEmail(ctx, email)
			switch {
			case err == nil:
				errs.Add("email", wijkhelpt.T("Er is al een account met dit e-mailadres. Log in, of bel de hulplijn als je je wachtwoord kwijt bent.",
					"There is already an account with this email address. Log in, or call the help desk if you lost your password."))
			case wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound:
				return err
			}
		}
		switch n := utf8.RuneCountInString(password); {
		case n == 0:
			errs.Add("password", wijkhelpt.T("Kies een wachtwoord.", "Choose a password."))
		case len(password) < MinPasswordLen:
			errs.Add("password", wijkhelpt.T("Kies een wachtwoord van minstens 10 tekens.", "Choose a password of at least 10 characters."))
		case len(password) > maxPasswordLen:
			errs.Add("password", wijkhelpt.T("Dit wachtwoord is te lang.", "This password is too long."))
		}
	}
	userID := wijkhelpt.NewID()
	by := v.actor()
	if account {
		by = wijkhelpt.UserActor(wijkhelpt.RoleVolunteer, userID)
	}
	o, err := s.deps.Desk.PrepareOffer(ctx, in, by)
	if err != nil && !errs.Merge("", err) {
		return err
	}
	if err := errs.Err(); err != nil {
		p.Form.Fail(err)
		return s.views.render(c, fiber.StatusUnprocessableEntity, "offer_form", p)
	}
	if !account {
		if _, _, err := s.deps.Desk.Offers.CreateOffer(ctx, o); err != nil {
			return err
		}
		return redirect(c, homeFor(v.Role), "offersaved")
	}

	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	now := s.now()
	u := &wijkhelpt.User{
		ID: userID, Email: strings.ToLower(strings.TrimSpace(in.Email)), Name: o.Name,
		Role: wijkhelpt.RoleVolunteer, Phone: o.Phone, PasswordHash: hash, OfferID: o.ID,
		CreatedAt: now, UpdatedAt: now, SchemaVersion: wijkhelpt.SchemaVersion,
	}
	if err := s.deps.Store.CreateUser(ctx, u); err != nil {
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrConflict {
			// Someone registered the same address a moment ago.
			p.Form.AddError("email", wijkhelpt.T("Er is al een account met dit e-mailadres.", "There is already an account with this email address."))
			return s.views.render(c, fiber.StatusUnprocessableEntity, "offer_form", p)
		}
		return err
	}
	o.UserID = u.ID
	if _, _, err := s.deps.Desk.Offers.CreateOffer(ctx, o); err != nil {
		// Without its offer the account is useless: switch it off rather
		// than leave a volunteer account that can never be asked anything.
		if _, derr := s.deps.Store.UpdateUser(ctx, u.ID, func(u *wijkhelpt.User) error { u.Disabled = true; return nil }); derr != nil {
			s.log.ErrorContext(ctx, "disable account after failed registration", "user_id", u.ID, "err", derr)
		}
		return err
	}
	if err := s.login(c, u); err != nil {
		return err
	}
	return redirect(c, "/vrijwilliger", "registered")
}
