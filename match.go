package wijkhelpt

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MatchStatus is where a proposal to one volunteer stands (spec §4).
type MatchStatus string

// The match states.
const (
	MatchProposed  MatchStatus = "proposed"
	MatchAccepted  MatchStatus = "accepted"
	MatchDeclined  MatchStatus = "declined"
	MatchTimedOut  MatchStatus = "timed_out"
	MatchCancelled MatchStatus = "cancelled"
	MatchCompleted MatchStatus = "completed"
)

// Occupies reports whether a match in this state counts against the
// volunteer's capacity.
func (s MatchStatus) Occupies() bool { return s == MatchProposed || s == MatchAccepted }

// MaxProposals is how many volunteers one confirmation may ask at once.
const MaxProposals = 3

// DefaultAnswerTimeout is how long a volunteer has to answer a proposal.
const DefaultAnswerTimeout = 24 * time.Hour

// Match is a proposal of one request to one offer, and what came of it. It
// lives inside the request document.
type Match struct {
	ID      string      `json:"id" bson:"id"` // "<requestID>-<n>"
	OfferID string      `json:"offerId" bson:"offerId"`
	Status  MatchStatus `json:"status" bson:"status"`
	// FirstName and Phone are copied from the offer at proposal time, so that
	// an answer by SMS can be matched to the question asked.
	FirstName string `json:"firstName" bson:"firstName"`
	Phone     string `json:"-" bson:"phone"`
	// Mobile is copied from the offer too: a volunteer without a mobile
	// phone is called back instead of sent an SMS, for every message.
	Mobile     bool       `json:"-" bson:"mobile"`
	Code       string     `json:"code" bson:"code"` // the 4 digits in "JA 4821"
	Score      float64    `json:"score" bson:"score"`
	DistanceKm float64    `json:"distanceKm" bson:"distanceKm"`
	ProposedBy Actor      `json:"proposedBy" bson:"proposedBy"`
	ProposedAt time.Time  `json:"proposedAt" bson:"proposedAt"`
	ExpiresAt  time.Time  `json:"expiresAt" bson:"expiresAt"`
	AnsweredAt *time.Time `json:"answeredAt,omitempty" bson:"answeredAt,omitempty"`
	EndedAt    *time.Time `json:"endedAt,omitempty" bson:"endedAt,omitempty"`
	Hours      float64    `json:"hours,omitempty" bson:"hours,omitempty"`
}

// RequestIDOfMatch returns the request a match ID belongs to. Match IDs come
// from URLs and SMS replies, so only the exact form Propose writes is
// accepted: "<requestID>-<n>", n a positive number without sign or
// leading zero.
func RequestIDOfMatch(matchID string) (string, bool) {
	i := strings.LastIndexByte(matchID, '-')
	if i <= 0 {
		return "", false
	}
	n := matchID[i+1:]
	if n == "" || len(n) > 9 || n[0] == '0' || strings.Trim(n, "0123456789") != "" {
		return "", false
	}
	return matchID[:i], true
}

// contact is how to reach the volunteer of m.
func (m *Match) contact() Contact {
	return Contact{Name: m.FirstName, Phone: m.Phone, Mobile: m.Mobile}
}

// Proposal is one volunteer a mediator confirms a request to.
type Proposal struct {
	Offer      *Offer
	DistanceKm float64
	Score      float64
}

func newCode() string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%04d", (int(b[0])<<8|int(b[1]))%9000+1000)
}

func (r *Request) transition(entity string, from, to string, by Actor, now time.Time, reason string) {
	r.History = append(r.History, Transition{Entity: entity, From: from, To: to, Actor: by, At: now, Reason: reason})
	r.UpdatedAt = now
}

func (r *Request) setStatus(to RequestStatus, by Actor, now time.Time, reason string) {
	from := r.Status
	r.Status = to
	r.transition("request", string(from), string(to), by, now, reason)
}

func refusedRequest(r *Request, what Text) *Error {
	return Conflict(T(
		what.NL+" kan niet: deze hulpvraag is nu '"+string(r.Status)+"'.",
		what.EN+" is not possible: this request is now '"+string(r.Status)+"'."))
}

func refusedMatch(m *Match, what Text) *Error {
	msg := T(what.NL+" kan niet: deze koppeling is nu '"+string(m.Status)+"'.",
		what.EN+" is not possible: this match is now '"+string(m.Status)+"'.")
	if m.Status == MatchCancelled {
		msg = T("Deze vraag is al geregeld of ingetrokken. Dank je wel!",
			"This request has already been arranged or withdrawn. Thank you!")
	}
	return Conflict(msg)
}

// dayText describes when the help is wanted, for messages.
func (r *Request) dayText(lang string) string {
	if d, ok := ParseDate(r.Date); ok && r.Date != "" {
		s := DayLabel(d, lang)
		if p, ok := ParsePart(r.DayPart); ok && r.DayPart != "" {
			s += " " + map[bool][3]string{true: partNamesEN, false: partNames}[isEnglish(lang)][p]
		}
		return s
	}
	if len(r.Slots) > 0 {
		labels := []string{}
		for _, s := range r.SlotSet().Slots() {
			labels = append(labels, s.Label(lang))
		}
		if len(labels) > 3 {
			labels = append(labels[:3], "…")
		}
		return strings.Join(labels, ", ")
	}
	if isEnglish(lang) {
		return "flexible"
	}
	return "in overleg"
}

func (r *Request) categoryText(lang string) string {
	labels := []string{}
	for _, c := range r.Categories {
		labels = append(labels, CategoryLabel(c, lang))
	}
	return strings.Join(labels, ", ")
}

// Propose is the mediator's confirmation: the request goes to up to three
// volunteers, each of whom gets a question by SMS. It is the only transition
// that asks volunteers anything.
func (r *Request) Propose(props []Proposal, by Actor, now time.Time, timeout time.Duration) error {
	if r.Status != RequestOpen {
		return refusedRequest(r, T("Bevestigen", "Confirming"))
	}
	if len(props) == 0 || len(props) > MaxProposals {
		return Invalid("offerIds", T("Kies één tot drie vrijwilligers.", "Choose one to three volunteers."))
	}
	if timeout <= 0 {
		timeout = DefaultAnswerTimeout
	}
	seen := map[string]bool{}
	for _, p := range props {
		o := p.Offer
		switch {
		case o == nil:
			return Invalid("offerIds", T("Deze vrijwilliger bestaat niet.", "This volunteer does not exist."))
		case seen[o.ID]:
			return Invalid("offerIds", T("Kies elke vrijwilliger maar één keer.", "Choose each volunteer only once."))
		case r.IsExcluded(o.ID):
			return Conflict(T(o.FirstName()+" heeft deze vraag al afgewezen of niet beantwoord.",
				o.FirstName()+" has already declined or not answered this request."))
		case !o.Active || o.Suspended:
			return Conflict(T(o.FirstName()+" is nu niet beschikbaar.", o.FirstName()+" is not available now."))
		}
		seen[o.ID] = true
	}
	for _, p := range props {
		o := p.Offer
		m := Match{
			ID:         r.ID + "-" + strconv.Itoa(len(r.Matches)+1),
			OfferID:    o.ID,
			Status:     MatchProposed,
			FirstName:  o.FirstName(),
			Phone:      o.Phone,
			Mobile:     o.Mobile,
			Code:       newCode(),
			Score:      p.Score,
			DistanceKm: p.DistanceKm,
			ProposedBy: by,
			ProposedAt: now,
			ExpiresAt:  now.Add(timeout),
		}
		r.Matches = append(r.Matches, m)
		r.transition(m.ID, "", string(MatchProposed), by, now, "")
		r.queue(Message{
			Key:      m.ID + ":proposal",
			MatchID:  m.ID,
			Template: TmplVolunteerProposal,
			Params: map[string]string{
				"name":     m.FirstName,
				"category": r.categoryText("nl"),
				"day":      r.dayText("nl"),
				"distance": FormatKm(p.DistanceKm),
				"area":     r.Location.Area(),
				"code":     m.Code,
			},
		}, Contact{Name: o.Name, Phone: o.Phone, Mobile: o.Mobile}, o.ID, now)
	}
	r.NeedsAttention = ""
	r.setStatus(RequestProposed, by, now, "")
	r.Refresh()
	return nil
}

// FormatKm rounds a distance for people, Dutch style: "1,2".
func FormatKm(km float64) string {
	return strings.Replace(strconv.FormatFloat(km, 'f', 1, 64), ".", ",", 1)
}

// Accept records a volunteer's yes. The first yes takes the request: the
// volunteer gets the address, the resident hears who is coming, and every
// other volunteer still asked is told it is arranged.
func (r *Request) Accept(matchID string, by Actor, now time.Time) error {
	m, err := r.Match(matchID)
	if err != nil {
		return err
	}
	if m.Status != MatchProposed {
		return refusedMatch(m, T("Ja zeggen", "Saying yes"))
	}
	if r.Status != RequestProposed {
		return refusedRequest(r, T("Ja zeggen", "Saying yes"))
	}
	m.Status = MatchAccepted
	m.AnsweredAt = &now
	r.transition(m.ID, string(MatchProposed), string(MatchAccepted), by, now, "")
	for i := range r.Matches {
		o := &r.Matches[i]
		if o.ID == m.ID || o.Status != MatchProposed {
			continue
		}
		o.Status = MatchCancelled
		o.EndedAt = &now
		r.transition(o.ID, string(MatchProposed), string(MatchCancelled), by, now, "another volunteer accepted")
		r.queue(Message{Key: o.ID + ":arranged", MatchID: o.ID, Template: TmplAlreadyArranged,
			Params: map[string]string{"name": o.FirstName, "code": o.Code, "category": r.categoryText("nl")}},
			o.contact(), o.OfferID, now)
	}
	r.MatchedAt = &now
	r.setStatus(RequestMatched, by, now, "")
	day := r.dayText("nl")
	r.queue(Message{Key: m.ID + ":details", MatchID: m.ID, Template: TmplVolunteerDetails,
		Params: map[string]string{
			"name":          m.FirstName,
			"resident":      FirstName(r.HelpedName()),
			"residentPhone": r.Contact.Phone,
			"address":       r.Location.Address(),
			"day":           day,
			"ref":           r.Ref,
		}}, m.contact(), m.OfferID, now)
	r.queue(Message{Key: m.ID + ":matched", MatchID: m.ID, Template: TmplResidentMatched,
		Params: map[string]string{"name": FirstName(r.Contact.Name), "volunteer": m.FirstName, "day": day, "ref": r.Ref}},
		r.Contact, "", now)
	if d, ok := ParseDate(r.Date); ok && r.Date != "" {
		loc := Amsterdam()
		remind := time.Date(d.Year(), d.Month(), d.Day()-1, 18, 0, 0, 0, loc)
		if remind.After(now) {
			r.queueAt(Message{Key: m.ID + ":reminder", MatchID: m.ID, Template: TmplVolunteerReminder,
				Params: map[string]string{"name": m.FirstName, "resident": FirstName(r.HelpedName()), "address": r.Location.Address(), "day": day}},
				m.contact(), m.OfferID, now, remind)
		}
		follow := time.Date(d.Year(), d.Month(), d.Day()+1, 10, 0, 0, 0, loc)
		r.queueAt(Message{Key: m.ID + ":followup", MatchID: m.ID, Template: TmplResidentFollowUp,
			Params: map[string]string{"name": FirstName(r.Contact.Name), "ref": r.Ref}}, r.Contact, "", now, follow)
	} else if !r.Recurring {
		r.queueAt(Message{Key: m.ID + ":followup", MatchID: m.ID, Template: TmplResidentFollowUp,
			Params: map[string]string{"name": FirstName(r.Contact.Name), "ref": r.Ref}}, r.Contact, "", now, now.Add(7*24*time.Hour))
	}
	r.NeedsAttention = ""
	r.Refresh()
	return nil
}

// Decline records a volunteer's no (timedOut false) or a proposal that was
// not answered in time (timedOut true). That volunteer is not suggested for
// this request again; when nobody else is still asked, the request goes back
// to the mediator's queue.
func (r *Request) Decline(matchID string, by Actor, now time.Time, timedOut bool) error {
	m, err := r.Match(matchID)
	if err != nil {
		return err
	}
	to, what := MatchDeclined, T("Nee zeggen", "Saying no")
	if timedOut {
		to, what = MatchTimedOut, T("Verlopen", "Timing out")
		if now.Before(m.ExpiresAt) && m.Status == MatchProposed {
			return Conflict(T("Deze vraag staat nog open voor de vrijwilliger.", "The volunteer can still answer this request."))
		}
	}
	if m.Status != MatchProposed {
		return refusedMatch(m, what)
	}
	m.Status = to
	m.AnsweredAt = &now
	m.EndedAt = &now
	r.transition(m.ID, string(MatchProposed), string(to), by, now, "")
	r.exclude(m.OfferID)
	r.cancelPending(m.ID)
	r.NeedsAttention = string(to)
	if r.Status == RequestProposed && !r.hasMatchIn(MatchProposed, MatchAccepted) {
		r.setStatus(RequestOpen, by, now, string(to))
	}
	r.Refresh()
	return nil
}

// Complete records that the help was given, with the hours it took. The
// request is done.
func (r *Request) Complete(matchID string, by Actor, hours float64, now time.Time) error {
	m, err := r.Match(matchID)
	if err != nil {
		return err
	}
	if m.Status != MatchAccepted {
		return refusedMatch(m, T("Afronden", "Completing"))
	}
	if !(hours >= 0 && hours <= 24*7) { // NaN fails too
		return Invalid("hours", T("Vul het aantal uren in, bijvoorbeeld 1,5.", "Enter the number of hours, for example 1.5."))
	}
	m.Status = MatchCompleted
	m.Hours = hours
	m.EndedAt = &now
	r.transition(m.ID, string(MatchAccepted), string(MatchCompleted), by, now, "")
	r.cancelPending(m.ID, TmplResidentFollowUp)
	if r.Status == RequestMatched {
		r.setStatus(RequestDone, by, now, "")
	}
	r.Refresh()
	return nil
}

// CancelMatch withdraws a proposal or an accepted match (by the mediator, or
// by the volunteer who can no longer come). The volunteer hears it was
// withdrawn; the request goes back to the queue when nobody else is on it.
func (r *Request) CancelMatch(matchID string, by Actor, reason string, now time.Time) error {
	m, err := r.Match(matchID)
	if err != nil {
		return err
	}
	if !m.Status.Occupies() {
		return refusedMatch(m, T("Intrekken", "Cancelling"))
	}
	from := m.Status
	m.Status = MatchCancelled
	m.EndedAt = &now
	r.transition(m.ID, string(from), string(MatchCancelled), by, now, reason)
	r.cancelPending(m.ID)
	if !strings.HasPrefix(string(by), "sms:") && by != SMSActor(m.OfferID) {
		r.queue(Message{Key: m.ID + ":withdrawn", MatchID: m.ID, Template: TmplVolunteerCancelled,
			Params: map[string]string{"name": m.FirstName, "code": m.Code, "category": r.categoryText("nl")}},
			m.contact(), m.OfferID, now)
	}
	if (r.Status == RequestProposed || r.Status == RequestMatched) && !r.hasMatchIn(MatchProposed, MatchAccepted) {
		r.NeedsAttention = string(MatchCancelled)
		r.setStatus(RequestOpen, by, now, "match cancelled")
	}
	r.Refresh()
	return nil
}

// Cancel ends the request: the resident no longer needs help, or the
// mediator closes it. Volunteers on it are told.
func (r *Request) Cancel(by Actor, reason string, now time.Time) error {
	if !r.Live() {
		return refusedRequest(r, T("Annuleren", "Cancelling"))
	}
	for i := range r.Matches {
		m := &r.Matches[i]
		if !m.Status.Occupies() {
			continue
		}
		from := m.Status
		m.Status = MatchCancelled
		m.EndedAt = &now
		r.transition(m.ID, string(from), string(MatchCancelled), by, now, "request cancelled")
		r.cancelPending(m.ID)
		r.queue(Message{Key: m.ID + ":withdrawn", MatchID: m.ID, Template: TmplVolunteerCancelled,
			Params: map[string]string{"name": m.FirstName, "code": m.Code, "category": r.categoryText("nl")}},
			m.contact(), m.OfferID, now)
	}
	r.NeedsAttention = ""
	r.setStatus(RequestCancelled, by, now, reason)
	r.Refresh()
	return nil
}

// Refer hands an open request to a partner organisation instead of a volunteer.
func (r *Request) Refer(organisation, reason string, by Actor, now time.Time) error {
	if r.Status != RequestOpen {
		return refusedRequest(r, T("Doorverwijzen", "Referring"))
	}
	if strings.TrimSpace(organisation) == "" {
		return Invalid("organisation", T("Kies de organisatie.", "Choose the organisation."))
	}
	r.Referral = &Referral{Organisation: strings.TrimSpace(organisation), Reason: strings.TrimSpace(reason), By: by, At: now}
	r.NeedsAttention = ""
	r.setStatus(RequestReferred, by, now, "")
	r.Refresh()
	return nil
}

// Expire closes an open request whose date has passed unmatched.
func (r *Request) Expire(now time.Time) error {
	if r.Status != RequestOpen {
		return refusedRequest(r, T("Laten verlopen", "Expiring"))
	}
	d, ok := ParseDate(r.Date)
	if r.Date == "" || !ok || !d.Before(dayStart(now)) {
		return Conflict(T("De datum van deze hulpvraag is nog niet voorbij.", "The date of this request has not passed yet."))
	}
	r.NeedsAttention = ""
	r.setStatus(RequestExpired, ActorSystem, now, "date passed")
	r.Refresh()
	return nil
}

// RecordFollowUp stores the resident's answer to the follow-up question. A
// success closes the request as done; a failure puts it before the mediator.
// The first answer counts: a second one (a repeated SMS) is refused.
func (r *Request) RecordFollowUp(success bool, by Actor, now time.Time) error {
	if r.Status != RequestMatched && r.Status != RequestDone {
		return refusedRequest(r, T("Antwoord geven", "Answering"))
	}
	if r.FollowUp != nil {
		return Conflict(T("Uw antwoord hebben we al ontvangen. Dank u wel!", "We have already received your answer. Thank you!"))
	}
	r.FollowUp = &FollowUp{Success: success, At: now}
	if !success {
		r.NeedsAttention = "followup_failed"
		r.transition("request", string(r.Status), string(r.Status), by, now, "follow-up: not done")
		r.Refresh()
		return nil
	}
	for i := range r.Matches {
		m := &r.Matches[i]
		if m.Status == MatchAccepted && !r.Recurring {
			m.Status = MatchCompleted
			m.EndedAt = &now
			r.transition(m.ID, string(MatchAccepted), string(MatchCompleted), by, now, "follow-up: done")
		}
	}
	if r.Status == RequestMatched && !r.Recurring {
		r.setStatus(RequestDone, by, now, "follow-up: done")
	} else {
		// Already done, or weekly help that goes on: record the answer all the same.
		r.transition("request", string(r.Status), string(r.Status), by, now, "follow-up: done")
	}
	r.Refresh()
	return nil
}

// AddNote records a mediator's note.
func (r *Request) AddNote(text string, by Actor, now time.Time) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return Invalid("note", T("Schrijf eerst een notitie.", "Write a note first."))
	}
	if len([]rune(text)) > MaxTextLen {
		return Invalid("note", T("Deze notitie is te lang.", "This note is too long."))
	}
	r.Notes = append(r.Notes, Note{Text: text, Author: by, At: now})
	r.UpdatedAt = now
	return nil
}

// Block stops an offer from being suggested for this request (the mediator
// knows it will not fit).
func (r *Request) Block(offerID string, by Actor, now time.Time) error {
	if !r.Live() {
		return refusedRequest(r, T("Uitsluiten", "Excluding"))
	}
	if strings.TrimSpace(offerID) == "" {
		return Invalid("offerId", T("Kies de vrijwilliger.", "Choose the volunteer."))
	}
	if r.IsExcluded(offerID) {
		return Conflict(T("Deze vrijwilliger is al uitgesloten voor deze vraag.", "This volunteer is already excluded for this request."))
	}
	r.exclude(offerID)
	r.transition("request", string(r.Status), string(r.Status), by, now, "blocked offer "+offerID)
	return nil
}

func (r *Request) exclude(offerID string) {
	if !r.IsExcluded(offerID) {
		r.Excluded = append(r.Excluded, offerID)
	}
}

func (r *Request) hasMatchIn(states ...MatchStatus) bool {
	for _, m := range r.Matches {
		for _, s := range states {
			if m.Status == s {
				return true
			}
		}
	}
	return false
}
