package portal

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// The volunteer's own page: questions to answer (the same JA/NEE as by
// SMS), accepted tasks with the address, pausing, periods away and hours.
//
// What a volunteer sees of a request is built into question and task
// values here, not picked in the template: before saying yes only what the
// SMS says (kind of help, day, distance, area); after yes also the address,
// the resident's first name and phone, and the question itself.

// question is a proposal waiting for the volunteer's answer.
type question struct {
	MatchID    string
	Code       string
	Categories []string
	When       string
	DistanceKm float64
	Area       string
	ExpiresAt  time.Time
}

// task is a request the volunteer said yes to.
type task struct {
	MatchID    string
	Ref        string
	Categories []string
	When       string
	Text       string
	Resident   string // first name
	Phone      string
	Address    string
	Status     wijkhelpt.MatchStatus
	Hours      float64
	EndedAt    *time.Time
}

type volunteerData struct {
	Offer     *wijkhelpt.Offer
	Questions []question
	Tasks     []task
	Done      []task
	Hours     float64
}

// volunteerMatch finds a match of the viewer's own offer. Someone else's
// match is "not found", so that match IDs reveal nothing.
func (s *site) volunteerMatch(c *fiber.Ctx, matchID string) (*wijkhelpt.Request, error) {
	v := s.viewer(c)
	r, err := s.deps.Store.FindRequestByMatch(c.UserContext(), matchID)
	if err != nil {
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
			return nil, notFoundMatch()
		}
		return nil, err
	}
	m, err := r.Match(matchID)
	if err != nil || v.OfferID == "" || m.OfferID != v.OfferID {
		return nil, notFoundMatch()
	}
	return r, nil
}

func (s *site) volunteerHome(c *fiber.Ctx) error {
	return s.renderVolunteer(c, fiber.StatusOK, s.page(c, "volunteer"))
}

// renderVolunteer shows the volunteer's page; p may carry an error from an
// action that the current state refused.
func (s *site) renderVolunteer(c *fiber.Ctx, status int, p *page) error {
	ctx := c.UserContext()
	v := s.viewer(c)
	d := volunteerData{}
	if v.OfferID != "" {
		o, err := s.deps.Store.FindOffer(ctx, v.OfferID)
		if err != nil && wijkhelpt.ErrorCodeOf(err) != wijkhelpt.ErrNotFound {
			return err
		}
		d.Offer = o
	}
	if d.Offer != nil {
		rs, err := s.deps.Store.FindRequests(ctx, wijkhelpt.RequestFilter{OfferID: d.Offer.ID, Limit: 500})
		if err != nil {
			return err
		}
		for _, r := range rs {
			for _, m := range r.Matches {
				if m.OfferID != d.Offer.ID {
					continue
				}
				switch m.Status {
				case wijkhelpt.MatchProposed:
					if r.Status == wijkhelpt.RequestProposed {
						d.Questions = append(d.Questions, question{
							MatchID: m.ID, Code: m.Code, Categories: r.Categories, When: p.When(r),
							DistanceKm: m.DistanceKm, Area: r.Location.Area(), ExpiresAt: m.ExpiresAt,
						})
					}
				case wijkhelpt.MatchAccepted, wijkhelpt.MatchCompleted:
					t := task{
						MatchID: m.ID, Ref: r.Ref, Categories: r.Categories, When: p.When(r), Text: r.Text,
						Resident: wijkhelpt.FirstName(r.HelpedName()), Phone: r.Contact.Phone,
						Address: r.Location.Address(), Status: m.Status, Hours: m.Hours, EndedAt: m.EndedAt,
					}
					if m.Status == wijkhelpt.MatchAccepted {
						d.Tasks = append(d.Tasks, t)
					} else {
						d.Hours += m.Hours
						d.Done = append(d.Done, t)
					}
				}
			}
		}
		sort.Slice(d.Questions, func(i, j int) bool { return d.Questions[i].ExpiresAt.Before(d.Questions[j].ExpiresAt) })
		sort.Slice(d.Done, func(i, j int) bool {
			return d.Done[i].EndedAt != nil && d.Done[j].EndedAt != nil && d.Done[i].EndedAt.After(*d.Done[j].EndedAt)
		})
	}
	p.D = d
	return s.views.render(c, status, "volunteer", p)
}

// volunteerRefused shows the page again with why an action was refused
// (the request was arranged by someone else meanwhile, say).
func (s *site) volunteerRefused(c *fiber.Ctx, err error) error {
	code := wijkhelpt.ErrorCodeOf(err)
	if code != wijkhelpt.ErrConflict && code != wijkhelpt.ErrInvalid {
		return err
	}
	p := s.page(c, "volunteer")
	p.Form.Fail(err)
	return s.renderVolunteer(c, statusOf(code), p)
}

// volunteerAnswer is JA or NEE in the portal, with the same effect as by SMS.
func (s *site) volunteerAnswer(c *fiber.Ctx) error {
	id, answer := c.FormValue("match"), c.FormValue("answer")
	r, err := s.volunteerMatch(c, id)
	if err != nil {
		return err
	}
	if answer != "ja" && answer != "nee" {
		return wijkhelpt.Invalid("answer", wijkhelpt.T("Kies ja of nee.", "Choose yes or no."))
	}
	by, now := s.viewer(c).actor(), s.now()
	updated, err := s.deps.Store.UpdateRequest(c.UserContext(), r.ID, func(r *wijkhelpt.Request) error {
		if answer == "ja" {
			return r.Accept(id, by, now)
		}
		return r.Decline(id, by, now, false)
	})
	if err != nil {
		return s.volunteerRefused(c, err)
	}
	s.queued(updated)
	if answer == "ja" {
		return redirect(c, "/vrijwilliger#taken", "yes")
	}
	return redirect(c, "/vrijwilliger", "no")
}

// volunteerHours records the hours of a task and completes it.
func (s *site) volunteerHours(c *fiber.Ctx) error {
	id := c.FormValue("match")
	r, err := s.volunteerMatch(c, id)
	if err != nil {
		return err
	}
	hours, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(c.FormValue("hours")), ",", ".", 1), 64)
	if err != nil {
		return s.volunteerRefused(c, wijkhelpt.Invalid("hours", wijkhelpt.T(
			"Vul het aantal uren in, bijvoorbeeld 1,5.", "Enter the number of hours, for example 1.5.")))
	}
	by, now := s.viewer(c).actor(), s.now()
	updated, err := s.deps.Store.UpdateRequest(c.UserContext(), r.ID, func(r *wijkhelpt.Request) error {
		return r.Complete(id, by, hours, now)
	})
	if err != nil {
		return s.volunteerRefused(c, err)
	}
	s.queued(updated)
	return redirect(c, "/vrijwilliger", "hours")
}

// volunteerWithdraw is "I can no longer come": the request goes back to the
// mediator.
func (s *site) volunteerWithdraw(c *fiber.Ctx) error {
	id := c.FormValue("match")
	r, err := s.volunteerMatch(c, id)
	if err != nil {
		return err
	}
	by, now := s.viewer(c).actor(), s.now()
	updated, err := s.deps.Store.UpdateRequest(c.UserContext(), r.ID, func(r *wijkhelpt.Request) error {
		return r.CancelMatch(id, by, "volunteer can no longer come", now)
	})
	if err != nil {
		return s.volunteerRefused(c, err)
	}
	s.queued(updated)
	return redirect(c, "/vrijwilliger", "withdrawn")
}

// ownOffer changes the viewer's own offer.
func (s *site) ownOffer(c *fiber.Ctx, fn func(o *wijkhelpt.Offer) error) error {
	v := s.viewer(c)
	if v.OfferID == "" {
		return notFoundOffer()
	}
	now := s.now()
	_, err := s.deps.Store.UpdateOffer(c.UserContext(), v.OfferID, func(o *wijkhelpt.Offer) error {
		if err := fn(o); err != nil {
			return err
		}
		o.UpdatedAt = now
		return nil
	})
	return err
}

// volunteerPause pauses or resumes: a paused offer is never suggested.
func (s *site) volunteerPause(c *fiber.Ctx) error {
	active := c.FormValue("active") == "1"
	if err := s.ownOffer(c, func(o *wijkhelpt.Offer) error { o.Active = active; return nil }); err != nil {
		return err
	}
	if active {
		return redirect(c, "/vrijwilliger", "resumed")
	}
	return redirect(c, "/vrijwilliger", "paused")
}

// volunteerAway adds a period away.
func (s *site) volunteerAway(c *fiber.Ctx) error {
	from, to := normalizeDate(c.FormValue("from")), normalizeDate(c.FormValue("to"))
	errs := wijkhelpt.FieldErrors{}
	_, okFrom := wijkhelpt.ParseDate(from)
	_, okTo := wijkhelpt.ParseDate(to)
	switch {
	case from == "" || !okFrom:
		errs.Add("away.from", wijkhelpt.T("Vul de eerste dag in, bijvoorbeeld 24-11-2026.", "Enter the first day, for example 2026-11-24."))
	case to == "" || !okTo:
		errs.Add("away.to", wijkhelpt.T("Vul de laatste dag in, bijvoorbeeld 30-11-2026.", "Enter the last day, for example 2026-11-30."))
	case to < from:
		errs.Add("away.to", wijkhelpt.T("De laatste dag ligt vóór de eerste.", "The last day is before the first."))
	case to < s.today():
		errs.Add("away.to", wijkhelpt.T("Deze periode is al voorbij.", "This period has already passed."))
	}
	if err := errs.Err(); err != nil {
		p := s.page(c, "volunteer")
		p.Form.order = []string{"away.from", "away.to"}
		p.Form.Set("away.from", c.FormValue("from"))
		p.Form.Set("away.to", c.FormValue("to"))
		p.Form.Fail(err)
		return s.renderVolunteer(c, fiber.StatusUnprocessableEntity, p)
	}
	if err := s.ownOffer(c, func(o *wijkhelpt.Offer) error {
		o.Away = append(o.Away, wijkhelpt.Period{From: from, To: to})
		sort.Slice(o.Away, func(i, j int) bool { return o.Away[i].From < o.Away[j].From })
		return nil
	}); err != nil {
		return err
	}
	return redirect(c, "/vrijwilliger#weg", "away")
}

// volunteerAwayRemove removes a period away, named by its dates so that a
// change in between cannot remove the wrong one.
func (s *site) volunteerAwayRemove(c *fiber.Ctx) error {
	from, to := c.FormValue("from"), c.FormValue("to")
	if err := s.ownOffer(c, func(o *wijkhelpt.Offer) error {
		kept := o.Away[:0]
		for _, p := range o.Away {
			if p.From != from || p.To != to {
				kept = append(kept, p)
			}
		}
		o.Away = kept
		return nil
	}); err != nil {
		return err
	}
	return redirect(c, "/vrijwilliger#weg", "awayremoved")
}
