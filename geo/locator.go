package geo

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"wijkhelpt"
)

// Cache keeps address lookups from the online service, so that the same
// address is asked for once. The store implements it; it is declared here
// because adapters never import each other.
type Cache interface {
	GetCachedLocation(ctx context.Context, key string) (wijkhelpt.Location, bool, error)
	PutCachedLocation(ctx context.Context, key string, loc wijkhelpt.Location) error
}

// DefaultPDOKURL is the PDOK Locatieserver's free-search endpoint.
const DefaultPDOKURL = "https://api.pdok.nl/bzk/locatieserver/search/v3_1/free"

// DefaultPDOKTimeout bounds one address lookup. Intake should not wait
// longer than this for a precise point when the PC4 centre is at hand.
const DefaultPDOKTimeout = 2 * time.Second

// Location sources, as recorded in wijkhelpt.Location.Source.
const (
	SourcePDOK  = "pdok"  // the address point from the PDOK Locatieserver
	SourcePC4   = "pc4"   // the centre of the four-digit postcode area
	SourceGiven = "given" // coordinates given by staff or the API
)

// Locator implements wijkhelpt.Locator: offline with the PC4 table, or with
// the PDOK Locatieserver in front of it. It is safe for concurrent use.
type Locator struct {
	table   *PC4Table
	pdok    *pdokClient
	timeout time.Duration
	log     *slog.Logger
}

var _ wijkhelpt.Locator = (*Locator)(nil)

// Option configures a Locator.
type Option func(*Locator)

// WithPDOK makes the Locator ask the PDOK Locatieserver for exact address
// points. baseURL "" means DefaultPDOKURL; client nil means a plain
// http.Client; cache may be nil (every lookup then asks PDOK).
func WithPDOK(baseURL string, client *http.Client, cache Cache) Option {
	return func(l *Locator) {
		if baseURL == "" {
			baseURL = DefaultPDOKURL
		}
		if client == nil {
			client = &http.Client{}
		}
		l.pdok = &pdokClient{baseURL: baseURL, client: client, cache: cache}
	}
}

// WithTimeout sets how long one PDOK lookup may take before the Locator
// falls back to the PC4 centre. The default is DefaultPDOKTimeout.
func WithTimeout(d time.Duration) Option {
	return func(l *Locator) {
		if d > 0 {
			l.timeout = d
		}
	}
}

// WithLogger sets the logger for failed lookups. The default is slog.Default().
// Addresses never reach the log.
func WithLogger(log *slog.Logger) Option {
	return func(l *Locator) {
		if log != nil {
			l.log = log
		}
	}
}

// NewLocator returns a Locator over the PC4 table, offline unless WithPDOK
// is given.
func NewLocator(table *PC4Table, opts ...Option) *Locator {
	l := &Locator{table: table, timeout: DefaultPDOKTimeout, log: slog.Default()}
	for _, o := range opts {
		o(l)
	}
	if l.pdok != nil {
		l.pdok.log = l.log
	}
	return l
}

// NormalizePostcode returns the postcode as "3961 AB"; see ParsePostcode.
func (l *Locator) NormalizePostcode(s string) (string, error) { return ParsePostcode(s) }

// NormalizeHouseNumber returns the house number as "12", "12a" or "12a-2";
// see ParseHouseNumber.
func (l *Locator) NormalizeHouseNumber(s string) (string, error) { return ParseHouseNumber(s) }

// NormalizePhone returns the number in E.164 and whether it can receive
// SMS; see ParsePhone.
func (l *Locator) NormalizePhone(s string) (string, bool, error) { return ParsePhone(s) }

// Locate finds a postcode and house number. The place always comes from
// the PC4 table (or from PDOK when PDOK found the address); a postcode area
// that neither knows is refused as invalid input for the postcode field.
//
// The point is, in order: given as it is (Source "given"); the address point
// from PDOK when configured and found (Source "pdok", with street); else the
// centre of the PC4 area (Source "pc4"). A PDOK failure of any kind, including
// a slow answer, falls back to the PC4 centre: a help request is better
// stored with an approximate point than refused. Only when ctx itself is done
// does Locate return an error that is not about the input.
func (l *Locator) Locate(ctx context.Context, postcode, houseNumber string, given *wijkhelpt.Point) (wijkhelpt.Location, error) {
	pc, err := ParsePostcode(postcode)
	if err != nil {
		return wijkhelpt.Location{}, err
	}
	hn, err := ParseHouseNumber(houseNumber)
	if err != nil {
		return wijkhelpt.Location{}, err
	}
	loc := wijkhelpt.Location{Postcode: pc, HouseNumber: hn, PC4: pc[:4]}
	place, centre, known := l.lookup(loc.PC4)

	if given != nil {
		if !given.Valid() {
			return wijkhelpt.Location{}, wijkhelpt.Invalid("", wijkhelpt.T("Deze coördinaten kloppen niet.", "These coordinates are not valid."))
		}
		if !known {
			return wijkhelpt.Location{}, unknownPostcode()
		}
		loc.Place, loc.Point, loc.Source = place, *given, SourceGiven
		return loc, nil
	}

	if l.pdok != nil {
		hit, found, err := l.pdok.find(ctx, l.timeout, pc, hn)
		switch {
		case err != nil && ctx.Err() != nil:
			return wijkhelpt.Location{}, fmt.Errorf("geo: locate: %w", ctx.Err())
		case err != nil:
			l.log.WarnContext(ctx, "geo: address lookup failed, using postcode area centre", slog.String("reason", err.Error()))
		case found:
			if hit.Place == "" {
				hit.Place = place
			}
			return hit, nil
		}
	}

	if !known {
		return wijkhelpt.Location{}, unknownPostcode()
	}
	loc.Place, loc.Point, loc.Source = place, centre, SourcePC4
	return loc, nil
}

func (l *Locator) lookup(pc4 string) (string, wijkhelpt.Point, bool) {
	if l.table == nil {
		return "", wijkhelpt.Point{}, false
	}
	return l.table.Lookup(pc4)
}

func unknownPostcode() error {
	return wijkhelpt.Invalid("", wijkhelpt.T(
		"We kennen deze postcode niet. Kijk of u hem goed hebt ingevuld.",
		"We don't know this postcode. Please check that you entered it correctly."))
}

// DistanceKm is the great-circle distance between two points, the same
// measure as everywhere else in WijkHelpt (wijkhelpt.DistanceKm).
func DistanceKm(a, b wijkhelpt.Point) float64 { return wijkhelpt.DistanceKm(a, b) }
