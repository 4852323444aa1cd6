package portal

import (
	"context"
	"sort"
	"strings"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
	"wijkhelpt/matching"
)

// The mediator's pages (spec flows 3, 4, 7 and 8): the queue, one request
// with ranked suggestions and their reasons, the confirmation that sends the
// SMS, referral, cancelling, notes and the plain-text list for the
// volunteers' chat group.

// queueLimit bounds the requests the queue loads at once.
const queueLimit = 500

// suggestionsShown is how many suggestions the request page shows.
const suggestionsShown = 5

// queueItem is one request in the queue with what the engine can do for it.
type queueItem struct {
	R           *wijkhelpt.Request
	Suggestions int
	WhyNone     string
	Attention   string
	Excerpt     string
}

type queueData struct {
	// CanSearch is true when there is a search index to search requests in.
	CanSearch bool
	Query     string
	Searched  bool
	Found     []queueItem
	Open      []queueItem
	Waiting   []queueItem
	Attention []queueItem
	NoMatcher bool
}

// queueOrder puts urgent requests first, then those back from a decline or
// time-out, then the oldest.
func queueOrder(items []queueItem) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i].R, items[j].R
		if a.Urgent != b.Urgent {
			return a.Urgent
		}
		if (a.NeedsAttention != "") != (b.NeedsAttention != "") {
			return a.NeedsAttention != ""
		}
		if !a.CreatedAt.Equal(b.CreatedAt) {
			return a.CreatedAt.Before(b.CreatedAt)
		}
		return a.ID < b.ID
	})
}

func (s *site) queue(c *fiber.Ctx) error {
	p := s.page(c, "mediation")
	rs, err := s.deps.Store.FindRequests(c.UserContext(), wijkhelpt.RequestFilter{Statuses: openStatuses, Limit: queueLimit})
	if err != nil {
		return err
	}
	d := queueData{NoMatcher: s.deps.Matcher == nil, CanSearch: s.deps.Finder != nil}
	if q := strings.TrimSpace(c.Query("zoek")); q != "" && d.CanSearch {
		d.Query, d.Searched = q, true
		found, err := s.findRequests(c.UserContext(), q)
		if err != nil {
			return err
		}
		for _, r := range found {
			d.Found = append(d.Found, queueItem{R: r, Attention: attentionName(r.NeedsAttention).In(p.Lang), Excerpt: firstLine(r.Text, 140)})
		}
	}
	today := s.today()
	for _, r := range rs {
		it := queueItem{R: r, Attention: attentionName(r.NeedsAttention).In(p.Lang), Excerpt: firstLine(r.Text, 140)}
		switch r.Status {
		case wijkhelpt.RequestOpen:
			if s.deps.Matcher != nil {
				res := s.deps.Matcher.Suggest(r, suggestionsShown, today)
				it.Suggestions = len(res.Suggestions)
				if it.Suggestions == 0 {
					it.WhyNone = res.WhyNone().In(p.Lang)
				}
			}
			d.Open = append(d.Open, it)
		case wijkhelpt.RequestProposed:
			d.Waiting = append(d.Waiting, it)
		default:
			if r.NeedsAttention != "" {
				d.Attention = append(d.Attention, it)
			}
		}
	}
	queueOrder(d.Open)
	queueOrder(d.Waiting)
	queueOrder(d.Attention)
	p.D = d
	return s.views.render(c, fiber.StatusOK, "queue", p)
}

// searchLimit bounds the results of the mediators' searches.
const searchLimit = 20

// findOffers finds volunteers for the mediator's search: through the search
// index (name, what they wrote) when there is one, else by name in the
// store.
// When nobody's name or text matches, the index may answer with the
// volunteers of the kinds of help the words are about; it names those
// categories.
func (s *site) findOffers(ctx context.Context, q string) (offers []*wijkhelpt.Offer, categories []string, err error) {
	if s.deps.Finder == nil {
		offers, err = s.deps.Store.FindOffers(ctx, wijkhelpt.OfferFilter{Query: q, Limit: searchLimit})
		return offers, nil, err
	}
	ids, categories, err := s.deps.Finder.FindOfferIDs(ctx, q, searchLimit)
	if err != nil {
		return nil, nil, err
	}
	offers, err = loadFound(ctx, ids, s.deps.Store.FindOffer)
	return offers, categories, err
}

// findRequests finds requests in any state by reference or by words of
// their text or notes, through the search index.
func (s *site) findRequests(ctx context.Context, q string) ([]*wijkhelpt.Request, error) {
	ids, err := s.deps.Finder.FindRequestIDs(ctx, q, searchLimit)
	if err != nil {
		return nil, err
	}
	return loadFound(ctx, ids, s.deps.Store.FindRequest)
}

// loadFound reads what a search found from the store, in the order found.
// A document the index knows but the store no longer has is left out.
func loadFound[T any](ctx context.Context, ids []string, find func(context.Context, string) (*T, error)) ([]*T, error) {
	out := make([]*T, 0, len(ids))
	for _, id := range ids {
		doc, err := find(ctx, id)
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, doc)
	}
	return out, nil
}

// searchHit is a volunteer found by name, with whether they may be asked
// for this request and why not.
type searchHit struct {
	Offer      *wijkhelpt.Offer
	Suggestion matching.Suggestion
	Refusal    string
}

type mediationData struct {
	R           *wijkhelpt.Request
	Suggestions []matching.Suggestion
	WhyNone     string
	NoMatcher   bool
	Query       string
	// FullText is true when the volunteer search looks at more than names.
	FullText bool
	// ByCategory names the kinds of help the search words were read as,
	// when the volunteers found are those of these categories rather than
	// ones whose name or text matched.
	ByCategory []string
	Hits       []searchHit
	Searched   bool
}

// mediationRequest shows one request to the mediator. The view is audited
// before anything is sent: no audit record, no personal data.
func (s *site) mediationRequest(c *fiber.Ctx) error {
	return s.renderMediation(c, fiber.StatusOK, s.page(c, "mediation"))
}

func (s *site) renderMediation(c *fiber.Ctx, status int, p *page) error {
	ctx := c.UserContext()
	v := s.viewer(c)
	r, err := s.deps.Store.FindRequest(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	if err := s.audit(ctx, v.actor(), "view_request", r.ID); err != nil {
		return err
	}
	d := mediationData{R: r, NoMatcher: s.deps.Matcher == nil, Query: strings.TrimSpace(c.Query("zoek")), FullText: s.deps.Finder != nil}
	today := s.today()
	if s.deps.Matcher != nil && r.Status == wijkhelpt.RequestOpen {
		res := s.deps.Matcher.Suggest(r, suggestionsShown, today)
		d.Suggestions = res.Suggestions
		d.WhyNone = res.WhyNone().In(p.Lang)
	}
	if d.Query != "" {
		d.Searched = true
		offers, categories, err := s.findOffers(ctx, d.Query)
		if err != nil {
			return err
		}
		d.ByCategory = categories
		for _, o := range offers {
			h := searchHit{Offer: o}
			switch {
			case s.deps.Matcher == nil:
				h.Refusal = errUnavailable().Message.In(p.Lang)
			case r.Status != wijkhelpt.RequestOpen:
				h.Refusal = notOpen(r).Message.In(p.Lang)
			default:
				sg, err := s.deps.Matcher.Eligible(r, o.ID, today)
				if err != nil {
					h.Refusal = wijkhelpt.AsError(err).Message.In(p.Lang)
				} else {
					h.Suggestion = sg
				}
			}
			d.Hits = append(d.Hits, h)
		}
	}
	p.D = d
	return s.views.render(c, status, "mediation", p)
}

// mediationRefused shows the request page again with why an action was
// refused; other errors go to the error page.
func (s *site) mediationRefused(c *fiber.Ctx, err error, order ...string) error {
	code := wijkhelpt.ErrorCodeOf(err)
	if code != wijkhelpt.ErrConflict && code != wijkhelpt.ErrInvalid {
		return err
	}
	p := s.page(c, "mediation")
	p.Form.order = order
	fillForm(p.Form, postValues(c))
	p.Form.Fail(err)
	return s.renderMediation(c, statusOf(code), p)
}

// mediationState is polled by the request page's script, so the mediator
// sees a JA or NEE arrive without reloading.
func (s *site) mediationState(c *fiber.Ctx) error {
	r, err := s.deps.Store.FindRequest(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"revision": r.Revision, "status": r.Status})
}

// confirm proposes a request to one to three offers, each checked by the
// matching engine on the request as it is when written. It mirrors the
// API's POST /matches (api_match.go apiPropose), which has no shared
// helper to call.
func (s *site) confirm(ctx context.Context, v viewer, requestID string, offerIDs []string) error {
	if s.deps.Matcher == nil {
		return errUnavailable()
	}
	if len(offerIDs) == 0 || len(offerIDs) > wijkhelpt.MaxProposals {
		return wijkhelpt.Invalid("offer", wijkhelpt.T("Kies één tot drie vrijwilligers.", "Choose one to three volunteers."))
	}
	offers := make([]*wijkhelpt.Offer, len(offerIDs))
	for i, id := range offerIDs {
		o, err := s.deps.Store.FindOffer(ctx, id)
		if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
			return errNoSuchVolunteer()
		}
		if err != nil {
			return err
		}
		offers[i] = o
	}
	by, now, today := v.actor(), s.now(), s.today()
	updated, err := s.deps.Store.UpdateRequest(ctx, requestID, func(r *wijkhelpt.Request) error {
		if r.Status != wijkhelpt.RequestOpen {
			return notOpen(r)
		}
		props := make([]wijkhelpt.Proposal, len(offers))
		for i, o := range offers {
			sg, err := s.deps.Matcher.Eligible(r, o.ID, today)
			if wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrNotFound {
				// The engine has not seen this offer yet (registered a moment ago).
				return errNoSuchVolunteer()
			}
			if err != nil {
				return err
			}
			props[i] = wijkhelpt.Proposal{Offer: o, DistanceKm: sg.DistanceKm, Score: sg.Score}
		}
		return r.Propose(props, by, now, s.deps.AnswerTimeout)
	})
	if err != nil {
		return err
	}
	s.queued(updated)
	return nil
}

// errNoSuchVolunteer is a chosen offer that cannot be asked because it is
// unknown: a form from before a deletion, or an offer the matching engine
// has not loaded yet.
func errNoSuchVolunteer() *wijkhelpt.Error {
	return wijkhelpt.Invalid("offer", wijkhelpt.T(
		"Deze vrijwilliger is (nog) niet bekend. Probeer het over een minuut opnieuw.",
		"This volunteer is not known (yet). Please try again in a minute."))
}

func (s *site) mediationConfirm(c *fiber.Ctx) error {
	id := c.Params("id")
	ids := []string{}
	seen := map[string]bool{}
	for _, o := range postValues(c)["offer"] {
		if o != "" && !seen[o] {
			seen[o] = true
			ids = append(ids, o)
		}
	}
	if err := s.confirm(c.UserContext(), s.viewer(c), id, ids); err != nil {
		return s.mediationRefused(c, err, "offer")
	}
	return redirect(c, "/bemiddeling/"+id+"#vrijwilligers", "confirmed")
}

// updateRequest applies fn to the request in the URL and redirects back
// with flash; a refusal shows the page again with the reason.
func (s *site) updateRequest(c *fiber.Ctx, flash string, fn func(r *wijkhelpt.Request, by wijkhelpt.Actor) error, order ...string) error {
	id := c.Params("id")
	by := s.viewer(c).actor()
	updated, err := s.deps.Store.UpdateRequest(c.UserContext(), id, func(r *wijkhelpt.Request) error { return fn(r, by) })
	if err != nil {
		return s.mediationRefused(c, err, order...)
	}
	s.queued(updated)
	return redirect(c, "/bemiddeling/"+id, flash)
}

func (s *site) mediationNote(c *fiber.Ctx) error {
	text, now := c.FormValue("note"), s.now()
	return s.updateRequest(c, "note", func(r *wijkhelpt.Request, by wijkhelpt.Actor) error {
		return r.AddNote(text, by, now)
	}, "note")
}

func (s *site) mediationRefer(c *fiber.Ctx) error {
	org, reason, now := c.FormValue("organisation"), c.FormValue("reason"), s.now()
	if len([]rune(org)) > wijkhelpt.MaxNameLen || len([]rune(reason)) > wijkhelpt.MaxTextLen {
		return s.mediationRefused(c, wijkhelpt.Invalid("organisation", wijkhelpt.T("Houd dit korter.", "Keep this shorter.")), "organisation")
	}
	return s.updateRequest(c, "referred", func(r *wijkhelpt.Request, by wijkhelpt.Actor) error {
		return r.Refer(org, reason, by, now)
	}, "organisation", "reason")
}

func (s *site) mediationCancel(c *fiber.Ctx) error {
	reason, now := strings.TrimSpace(c.FormValue("cancelReason")), s.now()
	if len([]rune(reason)) > wijkhelpt.MaxTextLen {
		return s.mediationRefused(c, wijkhelpt.Invalid("cancelReason", wijkhelpt.T("Houd de reden korter.", "Keep the reason shorter.")), "cancelReason")
	}
	return s.updateRequest(c, "cancelled", func(r *wijkhelpt.Request, by wijkhelpt.Actor) error {
		return r.Cancel(by, reason, now)
	}, "cancelReason")
}

func (s *site) mediationWithdraw(c *fiber.Ctx) error {
	matchID, now := c.FormValue("match"), s.now()
	return s.updateRequest(c, "withdrawn", func(r *wijkhelpt.Request, by wijkhelpt.Actor) error {
		return r.CancelMatch(matchID, by, "withdrawn by the mediator", now)
	})
}

func (s *site) mediationBlock(c *fiber.Ctx) error {
	offerID, now := c.FormValue("offer"), s.now()
	if offerID == "" {
		return s.mediationRefused(c, wijkhelpt.Invalid("offer", wijkhelpt.T("Kies een vrijwilliger.", "Choose a volunteer.")))
	}
	return s.updateRequest(c, "blocked", func(r *wijkhelpt.Request, by wijkhelpt.Actor) error {
		return r.Block(offerID, by, now)
	})
}

// plainLines is the list of open requests for a volunteers' chat group:
// kind of help, when and the PC4 area; no names, addresses, phone numbers
// or request texts.
func (s *site) plainLines(ctx context.Context, p *page) ([]string, error) {
	rs, err := s.deps.Store.FindRequests(ctx, wijkhelpt.RequestFilter{Statuses: []wijkhelpt.RequestStatus{wijkhelpt.RequestOpen}, Limit: queueLimit})
	if err != nil {
		return nil, err
	}
	items := make([]queueItem, len(rs))
	for i, r := range rs {
		items[i] = queueItem{R: r}
	}
	queueOrder(items)
	lines := make([]string, 0, len(items))
	for _, it := range items {
		r := it.R
		kind := p.Cats(r.Categories)
		if kind == "" {
			kind = p.T("nog onbekend", "not known yet")
		}
		line := r.Ref + " · " + kind + " · " + p.When(r) + " · " + r.Location.Area()
		if r.Urgent {
			line += " · " + p.T("SPOED", "URGENT")
		}
		lines = append(lines, line)
	}
	return lines, nil
}

func (s *site) plainList(c *fiber.Ctx) error {
	p := s.page(c, "mediation")
	lines, err := s.plainLines(c.UserContext(), p)
	if err != nil {
		return err
	}
	p.D = strings.Join(lines, "\n")
	return s.views.render(c, fiber.StatusOK, "plain_list", p)
}

func (s *site) plainListText(c *fiber.Ctx) error {
	p := s.page(c, "mediation")
	lines, err := s.plainLines(c.UserContext(), p)
	if err != nil {
		return err
	}
	head := p.T("Open hulpvragen in de wijk. Wil je helpen? Bel of app de hulplijn en noem het nummer.",
		"Open requests in the neighbourhood. Want to help? Call or message the help desk and give the reference.")
	if s.views.deskPhone != "" {
		head += " " + s.views.deskPhone
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString(head + "\n\n" + strings.Join(lines, "\n") + "\n")
}
