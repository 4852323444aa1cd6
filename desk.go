package wijkhelpt

import (
	"context"
	"strings"
	"time"
)

// Locator knows Dutch postcodes, house numbers and phone numbers. The geo
// package implements it.
type Locator interface {
	// NormalizePostcode returns "3961 AB", or an invalid-input *Error.
	NormalizePostcode(s string) (string, error)
	// NormalizeHouseNumber returns "12a" or "12-2", or an invalid-input *Error.
	NormalizeHouseNumber(s string) (string, error)
	// NormalizePhone returns the E.164 form and whether it can receive SMS,
	// or an invalid-input *Error.
	NormalizePhone(s string) (e164 string, mobile bool, err error)
	// Locate finds the address of a normalised postcode and house number.
	// With given set, that point is used as it is (staff and API only) and
	// only the area is looked up.
	Locate(ctx context.Context, postcode, houseNumber string, given *Point) (Location, error)
}

// CategoryScore is one inferred category with its score in [0, 1].
type CategoryScore struct {
	Code  string  `json:"code"`
	Score float64 `json:"score"`
}

// Classifier infers categories from a request's free text, best first.
type Classifier interface {
	Classify(text string) []CategoryScore
}

// RequestStore keeps requests. Every change goes through UpdateRequest: the
// store reads the request, calls fn on it and writes it back only if nobody
// changed it in between (one conditional update on one document).
type RequestStore interface {
	// CreateRequest stores r. With an idempotency key that was used before,
	// it returns the request stored then and created = false.
	CreateRequest(ctx context.Context, r *Request) (stored *Request, created bool, err error)
	FindRequest(ctx context.Context, id string) (*Request, error)
	UpdateRequest(ctx context.Context, id string, fn func(*Request) error) (*Request, error)
}

// OfferStore keeps offers.
type OfferStore interface {
	// CreateOffer stores o. With an ImportKey that exists, it returns the
	// offer stored then and created = false.
	CreateOffer(ctx context.Context, o *Offer) (stored *Offer, created bool, err error)
	FindOffer(ctx context.Context, id string) (*Offer, error)
	UpdateOffer(ctx context.Context, id string, fn func(*Offer) error) (*Offer, error)
}

// Desk is the intake of the help desk: it checks what people submit, locates
// it, fills in what the software can infer and stores it. The portal, the
// API and the CSV import all go through it, so they accept and refuse the
// same things.
type Desk struct {
	Locator    Locator
	Classifier Classifier // may be nil: requests then keep the categories given
	Requests   RequestStore
	Offers     OfferStore
	PublicURL  string
	Now        func() time.Time
}

func (d *Desk) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// address checks postcode, house number and phone into errs and returns the
// normalised forms.
func (d *Desk) address(postcode, house, phone string, errs FieldErrors, phoneField string) (pc, hn, e164 string, mobile bool) {
	var err error
	if pc, err = d.Locator.NormalizePostcode(postcode); err != nil {
		errs.Merge("postcode", err)
	}
	if hn, err = d.Locator.NormalizeHouseNumber(house); err != nil {
		errs.Merge("houseNumber", err)
	}
	if e164, mobile, err = d.Locator.NormalizePhone(phone); err != nil {
		errs.Merge(phoneField, err)
	}
	return pc, hn, e164, mobile
}

func (d *Desk) locate(ctx context.Context, pc, hn string, given *Point, errs FieldErrors) Location {
	loc, err := d.Locator.Locate(ctx, pc, hn, given)
	if err != nil && !errs.Merge("postcode", err) {
		errs.Add("postcode", T("We konden dit adres nu niet vinden. Probeer het later opnieuw.", "We could not find this address right now. Please try again later."))
	}
	return loc
}

// InferCategories returns the categories to use for text: the best one, plus
// a second when it scores at least 0.8 of the best. Texts about two things
// ("boodschappen en de hond uitlaten") then reach volunteers for either.
// Codes outside the taxonomy are skipped: matching keeps categories as bit
// masks indexed by CategoryIndex and cannot hold an unknown one.
func InferCategories(c Classifier, text string) []string {
	if c == nil {
		return nil
	}
	var scores []CategoryScore
	for _, s := range c.Classify(text) {
		if CategoryIndex(s.Code) >= 0 {
			scores = append(scores, s)
		}
	}
	if len(scores) == 0 || !(scores[0].Score > 0) {
		return nil
	}
	out := []string{scores[0].Code}
	// The tolerance lets a score of exactly 0.8 of the best count although
	// 0.8*best rounds up in floating point (0.72 against 0.8*0.9).
	if len(scores) > 1 && scores[1].Code != scores[0].Code && scores[1].Score >= 0.8*scores[0].Score-1e-9 {
		out = append(out, scores[1].Code)
	}
	return out
}

// PrepareRequest checks a request for help and builds it without storing
// it. Every field error is returned at once. staff allows a given location.
// It returns the request and its private status token.
func (d *Desk) PrepareRequest(ctx context.Context, in RequestInput, channel string, by Actor, staff bool) (*Request, string, error) {
	now := d.now()
	errs := in.Validate(now)
	if in.Location != nil && !staff {
		errs.Add("location", T("Alleen medewerkers kunnen coördinaten opgeven.", "Only staff can give coordinates."))
	}
	pc, hn, phone, mobile := d.address(in.Postcode, in.HouseNumber, in.Contact.Phone, errs, "contact.phone")
	if len(errs) > 0 {
		return nil, "", errs.Err()
	}
	loc := d.locate(ctx, pc, hn, in.Location, errs)
	if len(errs) > 0 {
		return nil, "", errs.Err()
	}
	inferred := false
	if len(in.Categories) == 0 {
		in.Categories = InferCategories(d.Classifier, in.Text)
		inferred = len(in.Categories) > 0
	}
	r, token := NewRequest(in, loc, phone, mobile, channel, by, now, d.PublicURL)
	r.CategoriesInferred = inferred
	return r, token, nil
}

// SubmitRequest checks and stores a request for help. Nothing is stored when
// anything is wrong. The token is the private status link's secret, returned
// only when the request was created now (an idempotent retry gets "").
func (d *Desk) SubmitRequest(ctx context.Context, in RequestInput, channel string, by Actor, staff bool) (*Request, string, bool, error) {
	r, token, err := d.PrepareRequest(ctx, in, channel, by, staff)
	if err != nil {
		return nil, "", false, err
	}
	stored, created, err := d.Requests.CreateRequest(ctx, r)
	if err != nil {
		return nil, "", false, err
	}
	if !created {
		token = ""
	}
	return stored, token, created, nil
}

// PrepareOffer checks an offer of help and builds it without storing it.
func (d *Desk) PrepareOffer(ctx context.Context, in OfferInput, by Actor) (*Offer, error) {
	errs := in.Validate()
	pc, hn, phone, mobile := d.address(in.Postcode, in.HouseNumber, in.Phone, errs, "phone")
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	loc := d.locate(ctx, pc, hn, in.Location, errs)
	if len(errs) > 0 {
		return nil, errs.Err()
	}
	return NewOffer(in, loc, phone, mobile, by, d.now()), nil
}

// RegisterOffer checks and stores an offer of help. With an import key that
// was used before, the offer stored then is returned and created is false.
func (d *Desk) RegisterOffer(ctx context.Context, in OfferInput, by Actor, importKey string) (*Offer, bool, error) {
	o, err := d.PrepareOffer(ctx, in, by)
	if err != nil {
		return nil, false, err
	}
	o.ImportKey = importKey
	return d.Offers.CreateOffer(ctx, o)
}

// OfferImportKey identifies an offer across imports: the same person
// (phone) offering under the same name is the same offer.
func OfferImportKey(phoneE164, name string) string {
	return "offer:" + phoneE164 + ":" + strings.ToLower(strings.Join(strings.Fields(name), " "))
}
