package wijkhelpt

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Offer kinds.
const (
	OfferVolunteer    = "volunteer"
	OfferOrganisation = "organisation"
)

// Transport modes.
var transports = []string{"walk", "bike", "car"}

// Defaults for a new offer (spec flow 2).
const (
	DefaultMaxDistanceKm = 5
	DefaultCapacity      = 2
)

// VOGValidity is how long a recorded VOG certificate counts.
const VOGValidityYears = 3

// Offer is a volunteer's or an organisation's offer of help.
type Offer struct {
	ID           string `json:"id" bson:"_id"`
	Kind         string `json:"kind" bson:"kind"`
	Name         string `json:"name" bson:"name"`
	Organisation string `json:"organisation,omitempty" bson:"organisation,omitempty"`
	Phone        string `json:"phone" bson:"phone"`
	Mobile       bool   `json:"mobile" bson:"mobile"`
	Email        string `json:"email,omitempty" bson:"email,omitempty"`

	Location      Location `json:"location" bson:"location"`
	Categories    []string `json:"categories" bson:"categories"`
	Slots         []string `json:"slots" bson:"slots"`
	Text          string   `json:"text,omitempty" bson:"text,omitempty"`
	MaxDistanceKm float64  `json:"maxDistanceKm" bson:"maxDistanceKm"`
	Capacity      int      `json:"capacity" bson:"capacity"`
	Transport     string   `json:"transport,omitempty" bson:"transport,omitempty"`
	Languages     []string `json:"languages,omitempty" bson:"languages"`

	// VOGDate is the date of the verified VOG certificate (YYYY-MM-DD), or empty.
	VOGDate string   `json:"vogDate,omitempty" bson:"vogDate,omitempty"`
	Away    []Period `json:"away,omitempty" bson:"away"`
	// Active is false while the volunteer has paused.
	Active    bool `json:"active" bson:"active"`
	Suspended bool `json:"suspended,omitempty" bson:"suspended,omitempty"`
	// AnswersInPortal means the volunteer answers in the portal, so an SMS
	// opt-out does not stop them from being asked.
	AnswersInPortal bool `json:"answersInPortal,omitempty" bson:"answersInPortal,omitempty"`
	// OptedOut mirrors the SMS opt-out (STOP) of the offer's phone number,
	// kept in step by the store, so that every instance's matching engine
	// learns it from the offer feed.
	OptedOut bool   `json:"optedOut,omitempty" bson:"optedOut,omitempty"`
	UserID   string `json:"userId,omitempty" bson:"userId,omitempty"`
	// ImportKey identifies an offer across repeated imports of the same file.
	ImportKey string `json:"-" bson:"importKey,omitempty"`

	CreatedBy     Actor     `json:"createdBy" bson:"createdBy"`
	CreatedAt     time.Time `json:"createdAt" bson:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt" bson:"updatedAt"`
	Revision      int64     `json:"revision" bson:"revision"`
	SchemaVersion int       `json:"-" bson:"schemaVersion"`
}

// FirstName is all a resident hears of the volunteer before they meet.
func (o *Offer) FirstName() string { return FirstName(o.Name) }

// SlotSet returns the offer's availability as a set.
func (o *Offer) SlotSet() SlotSet { return MustSlots(o.Slots) }

// VOGValid reports whether the offer has a VOG that is valid on day (YYYY-MM-DD).
func (o *Offer) VOGValid(day string) bool {
	if o.VOGDate == "" {
		return false
	}
	d, ok := ParseDate(o.VOGDate)
	if !ok {
		return false
	}
	// Compare the parsed date, not the stored text, which may carry spaces.
	return d.AddDate(VOGValidityYears, 0, 0).Format(DateLayout) > day && d.Format(DateLayout) <= day
}

// AwayOn reports whether a period away covers day (YYYY-MM-DD).
func (o *Offer) AwayOn(day string) bool {
	for _, p := range o.Away {
		if p.Covers(day) {
			return true
		}
	}
	return false
}

// OfferInput is what a registration form, the API or an import submits.
type OfferInput struct {
	Kind          string   `json:"kind"`
	Name          string   `json:"name"`
	Organisation  string   `json:"organisation"`
	Phone         string   `json:"phone"`
	Email         string   `json:"email"`
	Postcode      string   `json:"postcode"`
	HouseNumber   string   `json:"houseNumber"`
	Location      *Point   `json:"location"`
	Categories    []string `json:"categories"`
	Slots         []string `json:"slots"`
	Text          string   `json:"text"`
	MaxDistanceKm float64  `json:"maxDistanceKm"`
	Capacity      int      `json:"capacity"`
	Transport     string   `json:"transport"`
	Languages     []string `json:"languages"`
	Away          []Period `json:"away"`
	VOGDate       string   `json:"vogDate"`
}

// Validate checks the fields that need no address or phone service, fills
// in defaults, puts dates in their stored form and returns every problem at
// once.
func (in *OfferInput) Validate() FieldErrors {
	errs := FieldErrors{}
	if in.Kind == "" {
		in.Kind = OfferVolunteer
	}
	if in.Kind != OfferVolunteer && in.Kind != OfferOrganisation {
		errs.Add("kind", T("Kies vrijwilliger of organisatie.", "Choose volunteer or organisation."))
	}
	validateContactName(in.Name, "name", errs)
	if in.Kind == OfferOrganisation && strings.TrimSpace(in.Organisation) == "" {
		errs.Add("organisation", T("Vul de naam van de organisatie in.", "Enter the organisation's name."))
	}
	if e := strings.TrimSpace(in.Email); e != "" {
		if !validEmail(e) {
			errs.Add("email", T("Dit e-mailadres klopt niet.", "This email address is not valid."))
		}
	}
	in.Categories = normalizeCategories(in.Categories, "categories", errs)
	if len(in.Categories) == 0 {
		errs.Add("categories", T("Kies minstens één soort hulp.", "Choose at least one kind of help."))
	}
	if _, bad := ParseSlots(in.Slots); len(bad) > 0 {
		errs.Add("slots", T("Kies dagdelen uit het rooster.", "Choose parts of the day from the grid."))
	}
	if utf8.RuneCountInString(in.Text) > MaxTextLen {
		errs.Add("text", T("Deze tekst is te lang.", "This text is too long."))
	}
	if in.MaxDistanceKm == 0 {
		in.MaxDistanceKm = DefaultMaxDistanceKm
	}
	if !(in.MaxDistanceKm >= 0.1 && in.MaxDistanceKm <= 100) { // NaN fails too
		errs.Add("maxDistanceKm", T("Kies een afstand tussen 0,1 en 100 km.", "Choose a distance between 0.1 and 100 km."))
	}
	if in.Capacity == 0 {
		in.Capacity = DefaultCapacity
	}
	if in.Capacity < 1 || in.Capacity > 50 {
		errs.Add("capacity", T("Kies hoeveel taken u tegelijk wilt doen (1 tot 50).", "Choose how many tasks you want at once (1 to 50)."))
	}
	if in.Transport != "" {
		ok := false
		for _, t := range transports {
			ok = ok || t == in.Transport
		}
		if !ok {
			errs.Add("transport", T("Kies lopen, fiets of auto.", "Choose walk, bike or car."))
		}
	}
	// Periods are compared as YYYY-MM-DD text (Period.Covers), so they are
	// stored in exactly that form. A new slice keeps the caller's intact.
	away := make([]Period, 0, len(in.Away))
	for _, p := range in.Away {
		from, ok1 := ParseDate(p.From)
		to, ok2 := ParseDate(p.To)
		if !ok1 || !ok2 || to.Before(from) {
			errs.Add("away", T("Vul een begin- en einddatum in, de eerste vóór de tweede.", "Enter a start and end date, the first before the second."))
			away = append(away, p)
			continue
		}
		away = append(away, Period{From: from.Format(DateLayout), To: to.Format(DateLayout)})
	}
	if in.Away != nil {
		in.Away = away
	}
	if in.VOGDate != "" {
		if d, ok := ParseDate(in.VOGDate); ok {
			in.VOGDate = d.Format(DateLayout)
		} else {
			errs.Add("vogDate", T("Vul de datum van de VOG in als 2026-01-31.", "Enter the VOG date as 2026-01-31."))
		}
	}
	if in.Location != nil && !in.Location.Valid() {
		errs.Add("location", T("Deze coördinaten kloppen niet.", "These coordinates are not valid."))
	}
	return errs
}

// NewOffer builds an active offer from validated input, the located address
// and the normalised phone number.
func NewOffer(in OfferInput, loc Location, phone string, mobile bool, by Actor, now time.Time) *Offer {
	langs := []string{}
	for _, l := range in.Languages {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" {
			langs = append(langs, l)
		}
	}
	away := append([]Period{}, in.Away...)
	return &Offer{
		ID:            NewID(),
		Kind:          in.Kind,
		Name:          strings.TrimSpace(in.Name),
		Organisation:  strings.TrimSpace(in.Organisation),
		Phone:         phone,
		Mobile:        mobile,
		Email:         strings.TrimSpace(in.Email),
		Location:      loc,
		Categories:    append([]string{}, in.Categories...),
		Slots:         MustSlots(in.Slots).Strings(),
		Text:          strings.TrimSpace(in.Text),
		MaxDistanceKm: in.MaxDistanceKm,
		Capacity:      in.Capacity,
		Transport:     in.Transport,
		Languages:     langs,
		VOGDate:       in.VOGDate,
		Away:          away,
		Active:        true,
		CreatedBy:     by,
		CreatedAt:     now,
		UpdatedAt:     now,
		SchemaVersion: SchemaVersion,
	}
}
