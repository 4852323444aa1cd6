package portal

import (
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// Phone intake for desk staff (spec flows 1 and 5): a keyboard-only form in
// the order a call goes (who is calling, where, what, when), with verbal
// consent, a warning when the number already has an open request, and the
// list of residents without a mobile phone to call back.

var phoneFieldOrder = []string{"contact.phone", "contact.name", "contact.email", "postcode", "houseNumber",
	"for", "onBehalfOf.name", "onBehalfOf.relation", "text", "categories", "urgent", "when", "date", "dayPart",
	"slots", "consent", "dupok"}

// openStatuses are the states in which a request is still being handled.
var openStatuses = []wijkhelpt.RequestStatus{wijkhelpt.RequestOpen, wijkhelpt.RequestProposed, wijkhelpt.RequestMatched}

// phoneData is the intake page: the request just entered (to read its
// reference out), the open requests of the caller's number, and the
// call-back list.
type phoneData struct {
	Created    *wijkhelpt.Request
	Duplicates []*wijkhelpt.Request
	Callbacks  []wijkhelpt.Callback
	NoNotifier bool
}

func (s *site) phoneForm(c *fiber.Ctx) error {
	p := s.page(c, "phone")
	p.Form.order = phoneFieldOrder
	p.Form.Set("when", "flexible")
	p.Form.Set("for", "self")
	d := phoneData{}
	if id := c.Query("nieuw"); id != "" {
		r, err := s.deps.Store.FindRequest(c.UserContext(), id)
		switch {
		case err == nil && r.Channel == wijkhelpt.ChannelPhone:
			d.Created = r
		case err != nil && wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound:
			return err
		}
	}
	return s.renderPhone(c, fiber.StatusOK, p, d)
}

// renderPhone adds the call-back list, audited because it holds names and
// phone numbers.
func (s *site) renderPhone(c *fiber.Ctx, status int, p *page, d phoneData) error {
	ctx := c.UserContext()
	if s.deps.Notifier == nil {
		d.NoNotifier = true
	} else {
		cbs, err := s.deps.Notifier.Callbacks(ctx)
		if err != nil {
			return err
		}
		if err := s.audit(ctx, s.viewer(c).actor(), "view_callbacks", ""); err != nil {
			return err
		}
		open := cbs[:0]
		for _, cb := range cbs {
			if !cb.Done {
				open = append(open, cb)
			}
		}
		sort.Slice(open, func(i, j int) bool { return open[i].DueAt.Before(open[j].DueAt) })
		d.Callbacks = open
	}
	p.D = d
	return s.views.render(c, status, "phone", p)
}

// phoneSubmit stores the caller's request through the Desk with verbal
// consent. A number that already has an open request is asked about once:
// staff confirm that this is a new request, not the same one again.
func (s *site) phoneSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := s.viewer(c)
	p := s.page(c, "phone")
	p.Form.order = phoneFieldOrder
	fillForm(p.Form, postValues(c))
	in, errs := requestInputFrom(p.Form, wijkhelpt.ConsentVerbal)
	if in.Consent == "" {
		errs.Add("consent", wijkhelpt.T("Vraag de beller om toestemming en vink dit aan.", "Ask the caller for consent and tick this."))
	}
	if err := s.checkRequest(c, in, errs, wijkhelpt.ChannelPhone, true); err != nil {
		if wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrInvalid {
			return err
		}
		p.Form.Fail(err)
		return s.renderPhone(c, fiber.StatusUnprocessableEntity, p, phoneData{})
	}
	if p.Form.Get("dupok") != "1" {
		phone, _, err := s.deps.Desk.Locator.NormalizePhone(in.Contact.Phone)
		if err != nil {
			return err
		}
		dups, err := s.deps.Store.FindRequests(ctx, wijkhelpt.RequestFilter{Phone: phone, Statuses: openStatuses, Limit: 10})
		if err != nil {
			return err
		}
		if len(dups) > 0 {
			p.Form.Warning = p.T(
				"Dit nummer heeft al een open hulpvraag. Is dit dezelfde vraag? Zoek die dan op in de lijst hieronder. Is het een nieuwe vraag? Vink dan ‘Toch opslaan’ aan en sla opnieuw op.",
				"This number already has an open request. Is it the same request? Then look it up below. Is it a new request? Tick ‘Save anyway’ and save again.")
			return s.renderPhone(c, fiber.StatusConflict, p, phoneData{Duplicates: dups})
		}
	}
	r, _, _, err := s.deps.Desk.SubmitRequest(ctx, in, wijkhelpt.ChannelPhone, v.actor(), true)
	if err != nil {
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrInvalid {
			p.Form.Fail(err)
			return s.renderPhone(c, fiber.StatusUnprocessableEntity, p, phoneData{})
		}
		return err
	}
	s.queued(r)
	return redirect(c, "/telefoon?nieuw="+r.ID, "")
}

// addressResult is the answer of the address lookup for the intake form's
// script: the street and place, or what is wrong, in the page's language.
type addressResult struct {
	Street  string            `json:"street,omitempty"`
	Place   string            `json:"place,omitempty"`
	Address string            `json:"address,omitempty"`
	Exact   bool              `json:"exact"`
	Errors  map[string]string `json:"errors,omitempty"`
}

// phoneAddress looks up a postcode and house number while staff type, so
// that they can read the street back to the caller.
func (s *site) phoneAddress(c *fiber.Ctx) error {
	ctx := c.UserContext()
	lang := s.viewer(c).Lang
	loc := s.deps.Desk.Locator
	errs := wijkhelpt.FieldErrors{}
	pc, err := loc.NormalizePostcode(c.Query("postcode"))
	if err != nil {
		errs.Merge("postcode", err)
	}
	hn, err := loc.NormalizeHouseNumber(c.Query("houseNumber"))
	if err != nil {
		errs.Merge("houseNumber", err)
	}
	out := addressResult{}
	if len(errs) == 0 {
		l, err := loc.Locate(ctx, pc, hn, nil)
		if err != nil && !errs.Merge("postcode", err) {
			errs.Add("postcode", wijkhelpt.T("Dit adres is nu niet te vinden.", "This address cannot be found right now."))
		}
		if err == nil {
			out.Street, out.Place, out.Address = l.Street, l.Place, l.Address()
			out.Exact = l.Street != ""
		}
	}
	if len(errs) > 0 {
		out.Errors = map[string]string{}
		for k, v := range errs {
			out.Errors[k] = v.In(lang)
		}
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return c.JSON(out)
}

// phoneCallbackDone ticks off a call-back task.
func (s *site) phoneCallbackDone(c *fiber.Ctx) error {
	if s.deps.Notifier == nil {
		return errUnavailable()
	}
	if err := s.deps.Notifier.CallbackDone(c.UserContext(), c.Params("id"), s.viewer(c).actor()); err != nil {
		return err
	}
	return redirect(c, "/telefoon#terugbellen", "callback")
}

// firstLine shortens a text to its first line and about n characters.
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > n {
		return strings.TrimSpace(string(r[:n])) + "…"
	}
	return s
}
