package portal

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// Who sees what of a request (least privilege, spec §8):
//
//   - mediator, admin: everything (the request document as stored, without
//     the outbox and secrets), because they work the case;
//   - phone staff: what they need on the phone with the resident: the
//     question, the when and where, the contact, the state and the first
//     name of the volunteer who is coming; not the mediator's notes, the
//     history or the proposals;
//   - a volunteer: only a request they have accepted, and then only what
//     the job needs: the question, when, the address and the first name and
//     phone of the person to help (as in the SMS after JA);
//   - anyone else: 401 (anonymous) or 404.
//
// Every view of a single request is written to the audit log before the
// data leaves. The list (GET /requests) holds no personal data: no text,
// names, phone numbers or addresses, only the area; it is not audited.

func (a *App) requestRoutes(r fiber.Router) {
	r.Post("/requests", a.apiCreateRequest)
	r.Get("/requests", a.requireRole(staffRoles...), a.apiListRequests)
	r.Get("/requests/:id", a.requireRole(wijkhelpt.Roles()...), a.apiGetRequest)
	r.Get("/requests/:id/suggestions", a.requireRole(mediatorRoles...), a.apiSuggestions)
}

// IdempotencyKeyHeader may carry the idempotency key instead of the body.
const IdempotencyKeyHeader = "Idempotency-Key"

// requestCreated is the answer to POST /requests. It holds nothing the
// caller did not send or cannot derive from what they sent, plus the
// reference and state of their request.
type requestCreated struct {
	ID         string                  `json:"id"`
	Ref        string                  `json:"ref"`
	Status     wijkhelpt.RequestStatus `json:"status"`
	Categories []string                `json:"categories"`
	Slots      []string                `json:"slots"`
	Location   areaPoint               `json:"location"`
	Contact    contactShort            `json:"contact"`
	CreatedAt  time.Time               `json:"createdAt"`
}

type areaPoint struct {
	PC4   string  `json:"pc4"`
	Place string  `json:"place"`
	Lat   float64 `json:"lat"`
	Lon   float64 `json:"lon"`
}

type contactShort struct {
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Mobile bool   `json:"mobile"`
}

func newRequestCreated(r *wijkhelpt.Request) requestCreated {
	return requestCreated{
		ID: r.ID, Ref: r.Ref, Status: r.Status,
		Categories: nonNil(r.Categories), Slots: nonNil(r.Slots),
		Location:  areaPoint{PC4: r.Location.PC4, Place: r.Location.Place, Lat: r.Location.Point.Lat, Lon: r.Location.Point.Lon},
		Contact:   contactShort{Name: r.Contact.Name, Phone: r.Contact.Phone, Mobile: r.Contact.Mobile},
		CreatedAt: r.CreatedAt,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// apiCreateRequest takes a request for help. Residents may call it without
// an account (limited per address); staff and API tokens may also give a
// location and record verbal consent.
func (a *App) apiCreateRequest(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := a.viewer(c)
	staff := v.LoggedIn && v.Role.IsStaff()
	if !staff {
		if err := a.limit(ctx, "intake:ip:"+c.IP(), intakePerHour, time.Hour, a.now()); err != nil {
			return err
		}
	}
	var in wijkhelpt.RequestInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.IdempotencyKey == "" {
		in.IdempotencyKey = strings.TrimSpace(c.Get(IdempotencyKeyHeader))
	}
	extra := wijkhelpt.FieldErrors{}
	if !staff && in.Consent == wijkhelpt.ConsentVerbal {
		extra.Add("consent", wijkhelpt.T("Alleen medewerkers van de hulplijn leggen mondelinge toestemming vast.",
			"Only help desk staff record verbal consent."))
	}
	switch {
	case len(in.IdempotencyKey) > 128:
		extra.Add("idempotencyKey", wijkhelpt.T("Deze sleutel is te lang.", "This key is too long."))
	case in.IdempotencyKey != "":
		in.IdempotencyKey = scopedIdempotencyKey(v, in)
	}
	channel := wijkhelpt.ChannelWeb
	if v.viaToken() || staff {
		channel = wijkhelpt.ChannelAPI
	}
	if len(extra) > 0 {
		// Report these together with every other problem, and store nothing.
		_, _, err := a.deps.Desk.PrepareRequest(ctx, in, channel, v.actor(), staff)
		if err != nil && !extra.Merge("", err) {
			return err
		}
		return extra.Err()
	}
	r, _, created, err := a.deps.Desk.SubmitRequest(ctx, in, channel, v.actor(), staff)
	if err != nil {
		return err
	}
	a.queued(r)
	status := fiber.StatusCreated
	if !created {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(newRequestCreated(r))
}

// scopedIdempotencyKey makes a client's key unique to that client, so that
// nobody can fetch someone else's request by sending the same key. A token
// or account is its own scope; an anonymous caller is scoped by what they
// sent, so a replay answers only someone who already knows all of it.
func scopedIdempotencyKey(v viewer, in wijkhelpt.RequestInput) string {
	var scope string
	switch {
	case v.viaToken():
		scope = "token\x00" + v.tokenID
	case v.LoggedIn:
		scope = "user\x00" + v.UserID
	default:
		scope = strings.Join([]string{"anon", strings.TrimSpace(in.Text), strings.TrimSpace(in.Contact.Name),
			strings.TrimSpace(in.Contact.Phone), strings.TrimSpace(in.Postcode), strings.TrimSpace(in.HouseNumber)}, "\x00")
	}
	return "api:" + wijkhelpt.HashToken(scope+"\x00"+in.IdempotencyKey)
}

// requestSummary is one line of the request list: no personal data.
type requestSummary struct {
	ID             string                  `json:"id"`
	Ref            string                  `json:"ref"`
	Status         wijkhelpt.RequestStatus `json:"status"`
	Categories     []string                `json:"categories"`
	Slots          []string                `json:"slots"`
	Date           string                  `json:"date,omitempty"`
	DayPart        string                  `json:"dayPart,omitempty"`
	Recurring      bool                    `json:"recurring,omitempty"`
	Urgent         bool                    `json:"urgent,omitempty"`
	PC4            string                  `json:"pc4"`
	Place          string                  `json:"place"`
	Channel        string                  `json:"channel"`
	NeedsAttention string                  `json:"needsAttention,omitempty"`
	CreatedAt      time.Time               `json:"createdAt"`
	UpdatedAt      time.Time               `json:"updatedAt"`
}

type requestPage struct {
	Requests []requestSummary `json:"requests"`
	Next     string           `json:"next,omitempty"`
}

func (a *App) apiListRequests(c *fiber.Ctx) error {
	f := wijkhelpt.RequestFilter{After: c.Query("after")}
	errs := wijkhelpt.FieldErrors{}
	if s := c.Query("status"); s != "" {
		for _, name := range strings.Split(s, ",") {
			st := wijkhelpt.RequestStatus(strings.TrimSpace(name))
			known := false
			for _, k := range wijkhelpt.RequestStatuses() {
				known = known || k == st
			}
			if !known {
				errs.Add("status", wijkhelpt.T("Onbekende status.", "Unknown status."))
				continue
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	limit, err := queryInt(c, "limit", 50, 1, 200)
	errs.Merge("", err)
	if err := errs.Err(); err != nil {
		return err
	}
	f.Limit = limit
	rs, err := a.deps.Store.FindRequests(c.UserContext(), f)
	if err != nil {
		return err
	}
	page := requestPage{Requests: make([]requestSummary, 0, len(rs))}
	for _, r := range rs {
		page.Requests = append(page.Requests, requestSummary{
			ID: r.ID, Ref: r.Ref, Status: r.Status, Categories: nonNil(r.Categories), Slots: nonNil(r.Slots),
			Date: r.Date, DayPart: r.DayPart, Recurring: r.Recurring, Urgent: r.Urgent,
			PC4: r.Location.PC4, Place: r.Location.Place, Channel: r.Channel,
			NeedsAttention: r.NeedsAttention, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		})
	}
	if len(rs) == limit {
		page.Next = rs[len(rs)-1].ID
	}
	return c.JSON(page)
}

// phoneView is what phone staff see of a request.
type phoneView struct {
	ID         string                  `json:"id"`
	Ref        string                  `json:"ref"`
	Status     wijkhelpt.RequestStatus `json:"status"`
	Text       string                  `json:"text"`
	Categories []string                `json:"categories"`
	Date       string                  `json:"date,omitempty"`
	DayPart    string                  `json:"dayPart,omitempty"`
	Slots      []string                `json:"slots"`
	Recurring  bool                    `json:"recurring,omitempty"`
	Urgent     bool                    `json:"urgent,omitempty"`
	Location   wijkhelpt.Location      `json:"location"`
	Contact    wijkhelpt.Contact       `json:"contact"`
	OnBehalfOf *wijkhelpt.Person       `json:"onBehalfOf,omitempty"`
	Consent    string                  `json:"consent"`
	Channel    string                  `json:"channel"`
	// Volunteer is the first name of the volunteer who said yes, to tell a
	// resident who calls.
	Volunteer    string    `json:"volunteer,omitempty"`
	Organisation string    `json:"referredTo,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
}

func newPhoneView(r *wijkhelpt.Request) phoneView {
	pv := phoneView{
		ID: r.ID, Ref: r.Ref, Status: r.Status, Text: r.Text, Categories: nonNil(r.Categories),
		Date: r.Date, DayPart: r.DayPart, Slots: nonNil(r.Slots), Recurring: r.Recurring, Urgent: r.Urgent,
		Location: r.Location, Contact: r.Contact, OnBehalfOf: r.OnBehalfOf, Consent: r.Consent,
		Channel: r.Channel, CreatedAt: r.CreatedAt,
	}
	for _, m := range r.Matches {
		if m.Status == wijkhelpt.MatchAccepted {
			pv.Volunteer = m.FirstName
		}
	}
	if r.Referral != nil {
		pv.Organisation = r.Referral.Organisation
	}
	return pv
}

// volunteerView is what a volunteer sees of a request they accepted.
type volunteerView struct {
	ID         string                  `json:"id"`
	Ref        string                  `json:"ref"`
	Status     wijkhelpt.RequestStatus `json:"status"`
	Text       string                  `json:"text"`
	Categories []string                `json:"categories"`
	Date       string                  `json:"date,omitempty"`
	DayPart    string                  `json:"dayPart,omitempty"`
	Slots      []string                `json:"slots"`
	Address    string                  `json:"address"`
	Resident   residentShort           `json:"resident"`
	Match      matchShort              `json:"match"`
}

type residentShort struct {
	FirstName string `json:"firstName"`
	Phone     string `json:"phone"`
}

type matchShort struct {
	ID     string                `json:"id"`
	Status wijkhelpt.MatchStatus `json:"status"`
	Hours  float64               `json:"hours,omitempty"`
}

// acceptedMatchOf returns the viewer's accepted match on r, if any.
func acceptedMatchOf(r *wijkhelpt.Request, offerID string) (*wijkhelpt.Match, bool) {
	if offerID == "" {
		return nil, false
	}
	for i := range r.Matches {
		if m := &r.Matches[i]; m.OfferID == offerID && m.Status == wijkhelpt.MatchAccepted {
			return m, true
		}
	}
	return nil, false
}

func (a *App) apiGetRequest(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := a.viewer(c)
	r, err := a.deps.Store.FindRequest(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	var out any
	switch {
	case v.Role.CanMediate():
		out = r
	case v.Role == wijkhelpt.RolePhone:
		out = newPhoneView(r)
	default:
		m, ok := acceptedMatchOf(r, v.OfferID)
		if !ok {
			return notFoundRequest()
		}
		out = volunteerView{
			ID: r.ID, Ref: r.Ref, Status: r.Status, Text: r.Text, Categories: nonNil(r.Categories),
			Date: r.Date, DayPart: r.DayPart, Slots: nonNil(r.Slots), Address: r.Location.Address(),
			Resident: residentShort{FirstName: wijkhelpt.FirstName(r.HelpedName()), Phone: r.Contact.Phone},
			Match:    matchShort{ID: m.ID, Status: m.Status, Hours: m.Hours},
		}
	}
	if err := a.audit(ctx, v.actor(), "view_request", r.ID); err != nil {
		return err
	}
	return c.JSON(out)
}
