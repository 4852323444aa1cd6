package portal

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// The resident's side (spec flow 1): the request form, the page after
// sending it, and the private status page behind the link in the SMS.

// requestFields is the order of the request form's fields on the page, for
// the error summary.
var requestFieldOrder = []string{"for", "onBehalfOf.name", "onBehalfOf.relation", "text", "categories",
	"when", "date", "dayPart", "slots", "postcode", "houseNumber", "contact.name", "contact.phone",
	"contact.email", "consent", "urgent", "dupok"}

// newStatusTTL is how long the success page may show the new status link.
const newStatusTTL = 10 * time.Minute

// postValues copies every submitted form value. Fiber reuses its buffers,
// so the strings are copied out before the handler returns.
func postValues(c *fiber.Ctx) map[string][]string {
	out := map[string][]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		out[key] = append(out[key], string(v))
	})
	return out
}

// requestInputFrom reads the request form into the Desk's input. It checks
// only what the form adds to the Desk's own checks: the choice of when.
func requestInputFrom(f *form, consent string) (wijkhelpt.RequestInput, wijkhelpt.FieldErrors) {
	errs := wijkhelpt.FieldErrors{}
	in := wijkhelpt.RequestInput{
		Text:        f.Get("text"),
		Postcode:    f.Get("postcode"),
		HouseNumber: f.Get("houseNumber"),
		Contact: wijkhelpt.Contact{
			Name:  f.Get("contact.name"),
			Phone: f.Get("contact.phone"),
			Email: f.Get("contact.email"),
		},
		Urgent: f.Get("urgent") == "1",
	}
	for _, c := range f.values["categories"] {
		if c != "" {
			in.Categories = append(in.Categories, c)
		}
	}
	switch f.Get("when") {
	case "date":
		in.Date = normalizeDate(f.Get("date"))
		in.DayPart = f.Get("dayPart")
		if strings.TrimSpace(in.Date) == "" {
			errs.Add("date", wijkhelpt.T("Vul de datum in waarop u hulp nodig heeft.", "Enter the date you need help on."))
		}
	case "weekly":
		in.Slots = f.values["slots"]
		if len(in.Slots) == 0 {
			errs.Add("slots", wijkhelpt.T("Kies minstens één dagdeel in het rooster.", "Choose at least one part of the day in the grid."))
		}
	case "", "flexible":
	default:
		errs.Add("when", wijkhelpt.T("Kies wanneer u hulp nodig heeft.", "Choose when you need help."))
	}
	if f.Get("for") == "other" {
		in.OnBehalfOf = &wijkhelpt.Person{Name: f.Get("onBehalfOf.name"), Relation: f.Get("onBehalfOf.relation")}
		if strings.TrimSpace(in.OnBehalfOf.Name) == "" {
			errs.Add("onBehalfOf.name", wijkhelpt.T("Vul de naam in van wie de hulp krijgt.", "Enter the name of the person who gets the help."))
		}
	}
	if f.Get("consent") == consent {
		in.Consent = consent
	}
	return in, errs
}

// normalizeDate accepts the Dutch way of writing a date (24-11-2026, for
// browsers without a date picker) beside the ISO form the picker sends.
func normalizeDate(s string) string {
	s = strings.TrimSpace(s)
	if t, err := time.Parse("2-1-2006", strings.ReplaceAll(s, "/", "-")); err == nil {
		return t.Format(wijkhelpt.DateLayout)
	}
	return s
}

// checkRequest runs the Desk's checks on in together with the form's own
// errors, so that the resident sees every problem at once. It stores nothing.
func (s *site) checkRequest(c *fiber.Ctx, in wijkhelpt.RequestInput, errs wijkhelpt.FieldErrors, channel string, staff bool) error {
	_, _, err := s.deps.Desk.PrepareRequest(c.UserContext(), in, channel, s.viewer(c).actor(), staff)
	if err != nil && !errs.Merge("", err) {
		return err
	}
	return errs.Err()
}

// requestForm shows the empty form. The idempotency key makes a double
// click or a resent form store one request, not two.
func (s *site) requestForm(c *fiber.Ctx) error {
	p := s.page(c, "ask")
	p.Form.order = requestFieldOrder
	p.Form.Set("idem", wijkhelpt.NewToken())
	p.Form.Set("when", "flexible")
	if c.Query("voor") == "ander" {
		p.Form.Set("for", "other")
	} else {
		p.Form.Set("for", "self")
	}
	return s.views.render(c, fiber.StatusOK, "request_form", p)
}

// requestSubmit takes the form through the same Desk as the API. On any
// problem the form comes back with everything typed and every error; on
// success the browser is sent on to the confirmation (Post/Redirect/Get).
func (s *site) requestSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := s.viewer(c)
	p := s.page(c, "ask")
	p.Form.order = requestFieldOrder
	fillForm(p.Form, postValues(c))
	if idem := p.Form.Get("idem"); !isToken(idem) {
		p.Form.Set("idem", wijkhelpt.NewToken())
	}
	staff := v.LoggedIn && v.Role.IsStaff()
	if !staff {
		if err := s.limit(ctx, "intake:ip:"+c.IP(), intakePerHour, time.Hour, s.now()); err != nil {
			p.Form.Fail(err)
			return s.views.render(c, fiber.StatusTooManyRequests, "request_form", p)
		}
	}
	in, errs := requestInputFrom(p.Form, wijkhelpt.ConsentWeb)
	if err := s.checkRequest(c, in, errs, wijkhelpt.ChannelWeb, false); err != nil {
		if wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrInvalid {
			return err
		}
		p.Form.Fail(err)
		return s.views.render(c, fiber.StatusUnprocessableEntity, "request_form", p)
	}
	in.IdempotencyKey = "page:" + wijkhelpt.HashToken(v.CSRF+"\x00"+p.Form.Get("idem"))
	r, token, _, err := s.deps.Desk.SubmitRequest(ctx, in, wijkhelpt.ChannelWeb, v.actor(), false)
	if err != nil {
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrInvalid {
			p.Form.Fail(err)
			return s.views.render(c, fiber.StatusUnprocessableEntity, "request_form", p)
		}
		return err
	}
	s.queued(r)
	if token != "" {
		s.setCookie(c, s.newRequestCookie(), token, newStatusTTL)
	}
	return redirect(c, "/hulpvraag/verzonden", "")
}

// newRequestCookie carries the new request's status token from the POST to
// the confirmation page, once. It never appears in a URL or a log.
func (s *site) newRequestCookie() string {
	if s.deps.SecureCookies {
		return "__Host-wh-new"
	}
	return "wh-new"
}

// sentData is what the confirmation page shows.
type sentData struct {
	Request    *wijkhelpt.Request
	StatusLink string
}

// requestSent confirms a sent request: the reference, what happens next
// and, this once, the private status link.
func (s *site) requestSent(c *fiber.Ctx) error {
	p := s.page(c, "ask")
	d := sentData{}
	if raw := c.Cookies(s.newRequestCookie()); raw != "" {
		s.setCookie(c, s.newRequestCookie(), "", -1)
		if isToken(raw) {
			r, err := s.deps.Store.FindRequestByToken(c.UserContext(), wijkhelpt.HashToken(raw))
			switch {
			case err == nil:
				d.Request, d.StatusLink = r, s.base+"/r/"+raw
			case wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound:
				return err
			}
		}
	}
	p.D = d
	return s.views.render(c, fiber.StatusOK, "request_sent", p)
}

// statusData is what the resident's status page shows: their own request,
// and of the volunteer only the first name.
type statusData struct {
	Request   *wijkhelpt.Request
	Token     string
	Volunteer string
	Asked     bool // a volunteer has been asked and not answered yet
}

// residentRequest finds the request behind a status link. A malformed or
// unknown token is the same 404, so that guessing learns nothing.
func (s *site) residentRequest(c *fiber.Ctx) (*wijkhelpt.Request, string, error) {
	token := c.Params("token")
	if !isToken(token) {
		return nil, "", notFoundRequest()
	}
	r, err := s.deps.Store.FindRequestByToken(c.UserContext(), wijkhelpt.HashToken(token))
	if err != nil {
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
			return nil, "", notFoundRequest()
		}
		return nil, "", err
	}
	return r, token, nil
}

// statusPage is the resident's private page: the state in plain words and
// a way to cancel. It shows nothing about anyone else but the volunteer's
// first name once they said yes.
func (s *site) statusPage(c *fiber.Ctx) error {
	r, token, err := s.residentRequest(c)
	if err != nil {
		return err
	}
	c.Set("X-Robots-Tag", "noindex, nofollow")
	p := s.page(c, "status")
	d := statusData{Request: r, Token: token}
	for _, m := range r.Matches {
		switch m.Status {
		case wijkhelpt.MatchAccepted, wijkhelpt.MatchCompleted:
			d.Volunteer = m.FirstName
		case wijkhelpt.MatchProposed:
			d.Asked = true
		}
	}
	p.D = d
	return s.views.render(c, fiber.StatusOK, "status", p)
}

// statusCancel lets the resident cancel their own request.
func (s *site) statusCancel(c *fiber.Ctx) error {
	r, token, err := s.residentRequest(c)
	if err != nil {
		return err
	}
	now := s.now()
	updated, err := s.deps.Store.UpdateRequest(c.UserContext(), r.ID, func(r *wijkhelpt.Request) error {
		return r.Cancel(wijkhelpt.ActorResident, "cancelled by the resident", now)
	})
	if err != nil {
		return err
	}
	s.queued(updated)
	return redirect(c, "/r/"+token, "cancelled")
}
