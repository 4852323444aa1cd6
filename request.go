package wijkhelpt

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// RequestStatus is where a request for help stands (spec §4).
type RequestStatus string

// The request states.
const (
	RequestOpen      RequestStatus = "open"      // waiting for a mediator
	RequestProposed  RequestStatus = "proposed"  // confirmed to volunteers, waiting for a JA
	RequestMatched   RequestStatus = "matched"   // a volunteer said yes
	RequestDone      RequestStatus = "done"      // the help was given
	RequestReferred  RequestStatus = "referred"  // handed to a partner organisation
	RequestCancelled RequestStatus = "cancelled" // no longer needed
	RequestExpired   RequestStatus = "expired"   // the date passed unmatched
)

// RequestStatuses lists every request state.
func RequestStatuses() []RequestStatus {
	return []RequestStatus{RequestOpen, RequestProposed, RequestMatched, RequestDone,
		RequestReferred, RequestCancelled, RequestExpired}
}

// Label is the state in plain words for the resident.
func (s RequestStatus) Label() Text {
	switch s {
	case RequestOpen:
		return T("We zoeken iemand die u kan helpen.", "We are looking for someone to help you.")
	case RequestProposed:
		return T("We hebben een vrijwilliger gevraagd. We wachten op antwoord.", "We have asked a volunteer and are waiting for an answer.")
	case RequestMatched:
		return T("Er is iemand gevonden die u helpt.", "Someone has been found to help you.")
	case RequestDone:
		return T("De hulp is gegeven.", "The help has been given.")
	case RequestReferred:
		return T("Uw vraag is doorgegeven aan een organisatie die u verder helpt.", "Your request was passed on to an organisation that will help you further.")
	case RequestCancelled:
		return T("Deze hulpvraag is geannuleerd.", "This request was cancelled.")
	case RequestExpired:
		return T("De datum is voorbij en er was helaas niemand gevonden.", "The date has passed and unfortunately nobody was found.")
	}
	return T(string(s), string(s))
}

// Consent values: how the resident agreed to the processing of their data.
const (
	ConsentWeb    = "web"    // ticked on the web form
	ConsentVerbal = "verbal" // said on the phone, recorded by staff
)

// Intake channels.
const (
	ChannelWeb    = "web"
	ChannelPhone  = "phone"
	ChannelAPI    = "api"
	ChannelImport = "import"
)

// Request is a resident's request for help, with everything that happened to
// it. Matches and the messages they cause are part of the request document,
// so that every state change, and the messages it causes, is one atomic
// update of one document.
type Request struct {
	ID     string        `json:"id" bson:"_id"`
	Ref    string        `json:"ref" bson:"ref"` // "WH-7K3F", told to the resident
	Status RequestStatus `json:"status" bson:"status"`

	Text               string   `json:"text" bson:"text"`
	Categories         []string `json:"categories" bson:"categories"`
	CategoriesInferred bool     `json:"categoriesInferred,omitempty" bson:"categoriesInferred,omitempty"`
	// Date is the day help is wanted (YYYY-MM-DD); empty for weekly or flexible requests.
	Date    string `json:"date,omitempty" bson:"date,omitempty"`
	DayPart string `json:"dayPart,omitempty" bson:"dayPart,omitempty"`
	// Slots are the week slots the help is wanted in; empty means flexible.
	Slots         []string `json:"slots" bson:"slots"`
	Recurring     bool     `json:"recurring,omitempty" bson:"recurring,omitempty"`
	Urgent        bool     `json:"urgent,omitempty" bson:"urgent,omitempty"`
	MaxDistanceKm float64  `json:"maxDistanceKm,omitempty" bson:"maxDistanceKm,omitempty"`

	Location   Location `json:"location" bson:"location"`
	Contact    Contact  `json:"contact" bson:"contact"`
	OnBehalfOf *Person  `json:"onBehalfOf,omitempty" bson:"onBehalfOf,omitempty"`
	Consent    string   `json:"consent" bson:"consent"`
	Channel    string   `json:"channel" bson:"channel"`

	IdempotencyKey string `json:"-" bson:"idempotencyKey,omitempty"`
	// TokenHash is the SHA-256 of the private status link's token; the token
	// itself is only in the confirmation message.
	TokenHash string `json:"-" bson:"tokenHash"`

	Notes    []Note    `json:"notes,omitempty" bson:"notes"`
	Matches  []Match   `json:"matches,omitempty" bson:"matches"`
	Excluded []string  `json:"excluded,omitempty" bson:"excluded"` // offer IDs never to suggest again
	Referral *Referral `json:"referral,omitempty" bson:"referral,omitempty"`
	FollowUp *FollowUp `json:"followUp,omitempty" bson:"followUp,omitempty"`
	// NeedsAttention is set when the mediator should look again: a decline, a
	// time-out, a failed follow-up, an undeliverable SMS.
	NeedsAttention string `json:"needsAttention,omitempty" bson:"needsAttention,omitempty"`

	Outbox  []Message    `json:"-" bson:"outbox"`
	History []Transition `json:"history,omitempty" bson:"history"`

	// Derived fields, kept up to date by Refresh so that stores can index them.
	ProposalDeadline *time.Time `json:"-" bson:"proposalDeadline,omitempty"`
	PendingMessages  int        `json:"-" bson:"pendingMessages"`

	CreatedBy     Actor      `json:"createdBy" bson:"createdBy"`
	CreatedAt     time.Time  `json:"createdAt" bson:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt" bson:"updatedAt"`
	MatchedAt     *time.Time `json:"matchedAt,omitempty" bson:"matchedAt,omitempty"`
	Revision      int64      `json:"revision" bson:"revision"`
	SchemaVersion int        `json:"-" bson:"schemaVersion"`
}

// Note is something a mediator wrote down, such as the question behind the question.
type Note struct {
	Text   string    `json:"text" bson:"text"`
	Author Actor     `json:"author" bson:"author"`
	At     time.Time `json:"at" bson:"at"`
}

// Referral records that a request was handed to a partner organisation.
type Referral struct {
	Organisation string    `json:"organisation" bson:"organisation"`
	Reason       string    `json:"reason,omitempty" bson:"reason,omitempty"`
	By           Actor     `json:"by" bson:"by"`
	At           time.Time `json:"at" bson:"at"`
}

// FollowUp is the resident's answer to "Is het gelukt?".
type FollowUp struct {
	Success bool      `json:"success" bson:"success"`
	At      time.Time `json:"at" bson:"at"`
}

// Transition records one state change: who, when, from what to what.
type Transition struct {
	Entity string    `json:"entity" bson:"entity"` // "request" or a match ID
	From   string    `json:"from" bson:"from"`
	To     string    `json:"to" bson:"to"`
	Actor  Actor     `json:"actor" bson:"actor"`
	At     time.Time `json:"at" bson:"at"`
	Reason string    `json:"reason,omitempty" bson:"reason,omitempty"`
}

// SlotSet returns the request's slots as a set; empty means flexible.
func (r *Request) SlotSet() SlotSet { return MustSlots(r.Slots) }

// ResidentKey identifies the household helped, for continuity: the same
// volunteer helping the same resident again. It is the address, because the
// person who asks (a daughter, the GP) may differ from time to time.
func (r *Request) ResidentKey() string {
	return strings.ReplaceAll(r.Location.Postcode, " ", "") + "/" + strings.ToLower(r.Location.HouseNumber)
}

// HelpedName is the name of the person who needs the help.
func (r *Request) HelpedName() string {
	if r.OnBehalfOf != nil && r.OnBehalfOf.Name != "" {
		return r.OnBehalfOf.Name
	}
	return r.Contact.Name
}

// Live reports whether the request can still change (not in an end state).
func (r *Request) Live() bool {
	return r.Status == RequestOpen || r.Status == RequestProposed || r.Status == RequestMatched
}

// Match returns the match with the given ID.
func (r *Request) Match(id string) (*Match, error) {
	for i := range r.Matches {
		if r.Matches[i].ID == id {
			return &r.Matches[i], nil
		}
	}
	return nil, NotFound(T("De koppeling", "The match"))
}

// OpenTasks counts the matches of this request that occupy offerID's capacity.
func (r *Request) OpenTasks(offerID string) int {
	n := 0
	for _, m := range r.Matches {
		if m.OfferID == offerID && m.Status.Occupies() {
			n++
		}
	}
	return n
}

// IsExcluded reports whether offerID may no longer be suggested.
func (r *Request) IsExcluded(offerID string) bool {
	for _, id := range r.Excluded {
		if id == offerID {
			return true
		}
	}
	return false
}

// Refresh recomputes the derived fields. Stores call it before every write.
func (r *Request) Refresh() {
	r.ProposalDeadline = nil
	for _, m := range r.Matches {
		if m.Status == MatchProposed {
			d := m.ExpiresAt
			if r.ProposalDeadline == nil || d.Before(*r.ProposalDeadline) {
				r.ProposalDeadline = &d
			}
		}
	}
	r.PendingMessages = 0
	for _, m := range r.Outbox {
		// A cancelled message will never be sent: counting it would keep the
		// request in the dispatcher's queue for ever.
		if !m.Relayed && !m.Cancelled {
			r.PendingMessages++
		}
	}
	r.SchemaVersion = SchemaVersion
}

// RequestInput is what a form, the API or an import submits. Postcode,
// house number and phone are checked by the geo package, which knows the
// Dutch formats; Validate checks the rest.
type RequestInput struct {
	Text           string   `json:"text"`
	Categories     []string `json:"categories"`
	Slots          []string `json:"slots"`
	Date           string   `json:"date"`
	DayPart        string   `json:"dayPart"`
	Urgent         bool     `json:"urgent"`
	MaxDistanceKm  float64  `json:"maxDistanceKm"`
	Postcode       string   `json:"postcode"`
	HouseNumber    string   `json:"houseNumber"`
	Location       *Point   `json:"location"`
	Contact        Contact  `json:"contact"`
	OnBehalfOf     *Person  `json:"onBehalfOf"`
	Consent        string   `json:"consent"`
	IdempotencyKey string   `json:"idempotencyKey"`
}

// Limits on free text, so that a pasted document does not end up in an SMS or a log.
const (
	MaxTextLen = 2000
	MaxNameLen = 100
)

// Validate checks the fields that do not need an address or phone service
// and returns every problem at once. today is the desk's current date. It
// puts categories, date and part of day in their stored form.
func (in *RequestInput) Validate(today time.Time) FieldErrors {
	errs := FieldErrors{}
	text := strings.TrimSpace(in.Text)
	switch {
	case text == "":
		errs.Add("text", T("Vertel kort waar u hulp bij zoekt.", "Tell us briefly what you need help with."))
	case utf8.RuneCountInString(text) > MaxTextLen:
		errs.Add("text", T("Uw vraag is te lang. Houd het korter dan 2000 tekens.", "Your request is too long. Keep it under 2000 characters."))
	}
	in.Categories = normalizeCategories(in.Categories, "categories", errs)
	if _, bad := ParseSlots(in.Slots); len(bad) > 0 {
		errs.Add("slots", T("Kies dagdelen uit het rooster.", "Choose parts of the day from the grid."))
	}
	if in.Date != "" {
		d, ok := ParseDate(in.Date)
		switch {
		case !ok:
			// Dates are stored and compared as YYYY-MM-DD, so that is the
			// form the example shows.
			errs.Add("date", T("Vul een datum in als 2026-11-24 (jaar-maand-dag).", "Enter a date such as 2026-11-24."))
		case d.Before(dayStart(today)):
			errs.Add("date", T("Deze datum is al voorbij.", "This date has already passed."))
		case d.After(today.AddDate(1, 0, 0)):
			errs.Add("date", T("Kies een datum binnen een jaar.", "Choose a date within a year."))
		}
		if ok {
			in.Date = d.Format(DateLayout)
		}
	}
	if in.DayPart != "" {
		if p, ok := ParsePart(in.DayPart); ok {
			in.DayPart = partNames[p]
		} else {
			errs.Add("dayPart", T("Kies ochtend, middag of avond.", "Choose morning, afternoon or evening."))
		}
	}
	// Written so that NaN, which CSV import can produce, fails too.
	if !(in.MaxDistanceKm >= 0 && in.MaxDistanceKm <= 100) {
		errs.Add("maxDistanceKm", T("Kies een afstand tussen 0 en 100 km.", "Choose a distance between 0 and 100 km."))
	}
	validateContactName(in.Contact.Name, "contact.name", errs)
	if e := strings.TrimSpace(in.Contact.Email); e != "" {
		if !validEmail(e) {
			errs.Add("contact.email", T("Dit e-mailadres klopt niet. Laat het leeg als u het niet weet.", "This email address is not valid. Leave it empty if you don't know it."))
		}
	}
	if in.OnBehalfOf != nil && (in.OnBehalfOf.Name != "" || in.OnBehalfOf.Relation != "") {
		validateContactName(in.OnBehalfOf.Name, "onBehalfOf.name", errs)
		if utf8.RuneCountInString(in.OnBehalfOf.Relation) > MaxNameLen {
			errs.Add("onBehalfOf.relation", T("Houd dit korter.", "Keep this shorter."))
		}
	}
	switch in.Consent {
	case ConsentWeb, ConsentVerbal:
	default:
		errs.Add("consent", T("Geef toestemming om uw gegevens te gebruiken voor uw hulpvraag.", "Please agree to the use of your details for your request."))
	}
	if len(in.IdempotencyKey) > 128 {
		errs.Add("idempotencyKey", T("Deze sleutel is te lang.", "This key is too long."))
	}
	if in.Location != nil && !in.Location.Valid() {
		errs.Add("location", T("Deze coördinaten kloppen niet.", "These coordinates are not valid."))
	}
	return errs
}

// validEmail accepts a bare address such as "jan@example.nl". mail.ParseAddress
// alone would also take "Jan <jan@example.nl>", which is not an address to
// store and send to.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}

func validateContactName(name, field string, errs FieldErrors) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		errs.Add(field, T("Vul een naam in.", "Enter a name."))
	case utf8.RuneCountInString(name) > MaxNameLen:
		errs.Add(field, T("Deze naam is te lang.", "This name is too long."))
	}
}

func dayStart(t time.Time) time.Time {
	t = t.In(Amsterdam())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// NewRequest builds an open request from validated input, the located
// address and the normalised phone number. It returns the request and the
// private status token, which is shown once and stored only as a hash.
// publicURL is the portal's base URL for the status link.
func NewRequest(in RequestInput, loc Location, phone string, mobile bool, channel string, by Actor, now time.Time, publicURL string) (*Request, string) {
	token := NewToken()
	r := &Request{
		ID:             NewID(),
		Ref:            NewRef(),
		Status:         RequestOpen,
		Text:           strings.TrimSpace(in.Text),
		Categories:     append([]string{}, in.Categories...),
		Date:           in.Date,
		DayPart:        in.DayPart,
		Urgent:         in.Urgent,
		MaxDistanceKm:  in.MaxDistanceKm,
		Location:       loc,
		Contact:        Contact{Name: strings.TrimSpace(in.Contact.Name), Phone: phone, Mobile: mobile, Email: strings.TrimSpace(in.Contact.Email)},
		Consent:        in.Consent,
		Channel:        channel,
		IdempotencyKey: in.IdempotencyKey,
		TokenHash:      HashToken(token),
		Notes:          []Note{},
		Matches:        []Match{},
		Excluded:       []string{},
		Outbox:         []Message{},
		History:        []Transition{},
		CreatedBy:      by,
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	if in.OnBehalfOf != nil && strings.TrimSpace(in.OnBehalfOf.Name) != "" {
		r.OnBehalfOf = &Person{Name: strings.TrimSpace(in.OnBehalfOf.Name), Relation: strings.TrimSpace(in.OnBehalfOf.Relation)}
	}
	if d, ok := ParseDate(in.Date); ok && in.Date != "" {
		// Stored dates are compared as strings (periods away, VOG dates):
		// keep them in exactly one form.
		r.Date = d.Format(DateLayout)
		part := -1
		if p, ok := ParsePart(in.DayPart); ok && in.DayPart != "" {
			part = p
			r.DayPart = partNames[p]
		}
		r.Slots = DaySlots(d, part).Strings()
	} else {
		r.Slots = MustSlots(in.Slots).Strings()
		r.Recurring = len(r.Slots) > 0
	}
	r.History = append(r.History, Transition{Entity: "request", To: string(RequestOpen), Actor: by, At: now})
	// Phone intake tells the reference during the call; everyone else gets it
	// in writing, or a call back when they have no mobile phone.
	if channel != ChannelPhone && channel != ChannelImport {
		r.queue(Message{
			Key:      r.ID + ":received",
			Template: TmplRequestReceived,
			Params: map[string]string{
				"ref":  r.Ref,
				"link": strings.TrimRight(publicURL, "/") + "/r/" + token,
				"name": FirstName(r.Contact.Name),
			},
		}, r.Contact, "", now)
	}
	r.Refresh()
	return r, token
}

// refAlphabet leaves out letters and digits that are easily confused on the
// phone or in handwriting (0/O, 1/I/L, 5/S, 8/B, 2/Z, U/V).
const refAlphabet = "34679ACDEFGHJKMNPQRTWXY"

// NewRef returns a fresh reference such as "WH-7K3F". It is short enough to
// read out on the phone; stores keep it unique and draw again on a clash.
func NewRef() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	out := []byte("WH-")
	for _, c := range b {
		out = append(out, refAlphabet[int(c)%len(refAlphabet)])
	}
	return string(out)
}

// NewID returns a random 96-bit identifier in hex.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewToken returns a 128-bit random token in hex, for status links and
// bearer tokens.
func NewToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// HashToken is how tokens are stored: a token is worth nothing if the
// database leaks.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
