package portal

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// The mediator edits a request after talking to the resident: the question
// (the question behind the question), its categories, when, urgency and how
// far a volunteer may come from. Contact and address stay as the resident
// gave them; a new address is a new request.

var editFieldOrder = []string{"text", "categories", "urgent", "maxDistanceKm", "when", "date", "dayPart", "slots"}

// editData is the request being edited, for its heading.
type editData struct {
	R *wijkhelpt.Request
}

func (s *site) editForm(c *fiber.Ctx) error {
	r, err := s.deps.Store.FindRequest(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if err := s.audit(c.UserContext(), s.viewer(c).actor(), "view_request", r.ID); err != nil {
		return err
	}
	p := s.page(c, "mediation")
	f := p.Form
	f.order = editFieldOrder
	f.Set("text", r.Text)
	f.Set("categories", r.Categories...)
	if r.Urgent {
		f.Set("urgent", "1")
	}
	if r.MaxDistanceKm > 0 {
		f.Set("maxDistanceKm", strconv.FormatFloat(r.MaxDistanceKm, 'f', -1, 64))
	}
	switch {
	case r.Date != "":
		f.Set("when", "date")
		f.Set("date", r.Date)
		f.Set("dayPart", r.DayPart)
	case len(r.Slots) > 0:
		f.Set("when", "weekly")
		f.Set("slots", r.Slots...)
	default:
		f.Set("when", "flexible")
	}
	p.D = editData{R: r}
	return s.views.render(c, fiber.StatusOK, "edit", p)
}

// errNotEditable refuses to edit a request that volunteers were already
// asked about: they said yes or no to what it said then.
func errNotEditable() *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T(
		"Aanpassen kan alleen als de hulpvraag open is. Trek eerst de vraag aan de vrijwilliger in.",
		"You can only change an open request. Withdraw the question to the volunteer first."))
}

func (s *site) editSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	r, err := s.deps.Store.FindRequest(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	p := s.page(c, "mediation")
	p.Form.order = editFieldOrder
	p.D = editData{R: r}
	fillForm(p.Form, postValues(c))
	in, errs := requestInputFrom(p.Form, "")
	in.Contact, in.Consent, in.OnBehalfOf = r.Contact, r.Consent, r.OnBehalfOf
	in.Contact.Email = "" // checked when it was given; not edited here
	if s := strings.TrimSpace(p.Form.Get("maxDistanceKm")); s != "" {
		km, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
		if err != nil {
			errs.Add("maxDistanceKm", wijkhelpt.T("Vul een getal in, bijvoorbeeld 3.", "Enter a number, for example 3."))
		} else {
			in.MaxDistanceKm = km
		}
	}
	for k, v := range in.Validate(s.now()) {
		errs.Add(k, v)
	}
	if err := errs.Err(); err != nil {
		p.Form.Fail(err)
		return s.views.render(c, fiber.StatusUnprocessableEntity, "edit", p)
	}
	by, now := s.viewer(c).actor(), s.now()
	if _, err := s.deps.Store.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		if r.Status != wijkhelpt.RequestOpen {
			return errNotEditable()
		}
		r.Text = strings.TrimSpace(in.Text)
		r.Categories = append([]string{}, in.Categories...)
		r.CategoriesInferred = false
		r.Urgent = in.Urgent
		r.MaxDistanceKm = in.MaxDistanceKm
		r.Date, r.DayPart = in.Date, in.DayPart
		if d, ok := wijkhelpt.ParseDate(in.Date); ok && in.Date != "" {
			part := -1
			if pt, ok := wijkhelpt.ParsePart(in.DayPart); ok && in.DayPart != "" {
				part = pt
			}
			r.Slots = wijkhelpt.DaySlots(d, part).Strings()
			r.Recurring = false
		} else {
			r.DayPart = ""
			r.Slots = wijkhelpt.MustSlots(in.Slots).Strings()
			r.Recurring = len(r.Slots) > 0
		}
		r.History = append(r.History, wijkhelpt.Transition{Entity: "request", From: string(r.Status),
			To: string(r.Status), Actor: by, At: now, Reason: "edited"})
		r.UpdatedAt = now
		return nil
	}); err != nil {
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrConflict {
			p.Form.Fail(err)
			return s.views.render(c, fiber.StatusConflict, "edit", p)
		}
		return err
	}
	return redirect(c, "/bemiddeling/"+r.ID, "edited")
}
