package portal

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
	"wijkhelpt/matching"
)

// suggestionResult is the matching engine's result as it is, plus the
// plain-language reason when there are no suggestions.
type suggestionResult struct {
	matching.Result
	WhyNone string `json:"whyNone,omitempty"`
}

// apiSuggestions ranks volunteers for a request (mediators and admins).
func (a *App) apiSuggestions(c *fiber.Ctx) error {
	if a.deps.Matcher == nil {
		return errUnavailable()
	}
	k, err := queryInt(c, "limit", 5, 1, 50)
	if err != nil {
		return err
	}
	r, err := a.deps.Store.FindRequest(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	res := a.deps.Matcher.Suggest(r, k, a.today())
	out := suggestionResult{Result: res}
	if out.Suggestions == nil {
		out.Suggestions = []matching.Suggestion{}
	}
	if len(res.Suggestions) == 0 {
		out.WhyNone = res.WhyNone().In(a.viewer(c).Lang)
	}
	return c.JSON(out)
}

type proposeBody struct {
	RequestID string   `json:"requestId"`
	OfferID   string   `json:"offerId"`
	OfferIDs  []string `json:"offerIds"`
}

type proposeResult struct {
	Matches []wijkhelpt.Match `json:"matches"`
}

// apiPropose is the mediator's confirmation of a request to one to three
// volunteers: the one action that sends them an SMS. Each offer is checked
// against the hard constraints on the request as it is when written, so a
// request that changed in between is judged on its new state.
func (a *App) apiPropose(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if a.deps.Matcher == nil {
		return errUnavailable()
	}
	var in proposeBody
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	errs := wijkhelpt.FieldErrors{}
	if strings.TrimSpace(in.RequestID) == "" {
		errs.Add("requestId", wijkhelpt.T("Kies de hulpvraag.", "Choose the request."))
	}
	ids := in.OfferIDs
	switch {
	case in.OfferID != "" && len(in.OfferIDs) > 0:
		errs.Add("offerIds", wijkhelpt.T("Geef offerId of offerIds, niet allebei.", "Give offerId or offerIds, not both."))
	case in.OfferID != "":
		ids = []string{in.OfferID}
	}
	if len(ids) == 0 || len(ids) > wijkhelpt.MaxProposals {
		errs.Add("offerIds", wijkhelpt.T("Kies één tot drie vrijwilligers.", "Choose one to three volunteers."))
	}
	if err := errs.Err(); err != nil {
		return err
	}
	r, err := a.deps.Store.FindRequest(ctx, in.RequestID)
	if err != nil {
		return err
	}
	if r.Status != wijkhelpt.RequestOpen {
		return notOpen(r)
	}
	offers := make([]*wijkhelpt.Offer, len(ids))
	for i, id := range ids {
		if offers[i], err = a.deps.Store.FindOffer(ctx, id); err != nil {
			return err
		}
	}
	v := a.viewer(c)
	by, now, today := v.actor(), a.now(), a.today()
	before := len(r.Matches)
	updated, err := a.deps.Store.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
		if r.Status != wijkhelpt.RequestOpen {
			return notOpen(r)
		}
		before = len(r.Matches)
		props := make([]wijkhelpt.Proposal, len(offers))
		for i, o := range offers {
			s, err := a.deps.Matcher.Eligible(r, o.ID, today)
			if err != nil {
				return err
			}
			props[i] = wijkhelpt.Proposal{Offer: o, DistanceKm: s.DistanceKm, Score: s.Score}
		}
		return r.Propose(props, by, now, a.deps.AnswerTimeout)
	})
	if err != nil {
		return err
	}
	a.queued(updated)
	return c.Status(fiber.StatusCreated).JSON(proposeResult{Matches: updated.Matches[before:]})
}

// notOpen refuses a confirmation of a request that is not waiting for one.
func notOpen(r *wijkhelpt.Request) *wijkhelpt.Error {
	return wijkhelpt.Conflict(wijkhelpt.T(
		"Bevestigen kan niet: deze hulpvraag is nu '"+string(r.Status)+"'.",
		"Confirming is not possible: this request is now '"+string(r.Status)+"'."))
}

// matchRoutes registers the mediator's confirmation and the answers to it.
func (a *App) matchRoutes(r fiber.Router) {
	r.Post("/matches", a.requireRole(mediatorRoles...), a.apiPropose)
	answerers := a.requireRole(wijkhelpt.RoleVolunteer, wijkhelpt.RoleMediator, wijkhelpt.RoleAdmin)
	for _, action := range []string{"accept", "decline", "complete", "cancel"} {
		r.Post("/matches/:id/"+action, answerers, a.apiMatchAction(action))
	}
}

type matchActionBody struct {
	Hours  float64 `json:"hours"`
	Reason string  `json:"reason"`
}

type matchActionResult struct {
	Match         wijkhelpt.Match         `json:"match"`
	RequestStatus wijkhelpt.RequestStatus `json:"requestStatus"`
}

// apiMatchAction answers a proposal or ends a match. Mediators and admins
// may do this to any match; a volunteer only to a match of their own offer.
// Others' matches are 404 for a volunteer, so that IDs reveal nothing.
func (a *App) apiMatchAction(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		v := a.viewer(c)
		id := c.Params("id")
		var body matchActionBody
		if err := decodeOptionalJSON(c, &body); err != nil {
			return err
		}
		if len([]rune(body.Reason)) > wijkhelpt.MaxNameLen*5 {
			return wijkhelpt.Invalid("reason", wijkhelpt.T("Houd de reden korter.", "Keep the reason shorter."))
		}
		r, err := a.deps.Store.FindRequestByMatch(ctx, id)
		if err != nil {
			if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
				return notFoundMatch()
			}
			return err
		}
		m, err := r.Match(id)
		if err != nil {
			return notFoundMatch()
		}
		if !v.Role.CanMediate() && (v.OfferID == "" || m.OfferID != v.OfferID) {
			return notFoundMatch()
		}
		by, now := v.actor(), a.now()
		updated, err := a.deps.Store.UpdateRequest(ctx, r.ID, func(r *wijkhelpt.Request) error {
			switch action {
			case "accept":
				return r.Accept(id, by, now)
			case "decline":
				return r.Decline(id, by, now, false)
			case "complete":
				return r.Complete(id, by, body.Hours, now)
			default:
				return r.CancelMatch(id, by, strings.TrimSpace(body.Reason), now)
			}
		})
		if err != nil {
			return err
		}
		a.queued(updated)
		m, err = updated.Match(id)
		if err != nil {
			return err
		}
		return c.JSON(matchActionResult{Match: *m, RequestStatus: updated.Status})
	}
}
