package geo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"wijkhelpt"
)

// pdokClient asks the PDOK Locatieserver's free-search endpoint for one
// address. Its errors never contain the address (or the URL, which holds
// it), so that they are safe to log.
type pdokClient struct {
	baseURL string
	client  *http.Client
	cache   Cache
	log     *slog.Logger
}

// pdokRows is how many documents one lookup asks for. A postcode and house
// number select one building; the rows beyond the first are its other house
// letters and additions ("12", "12a", "12-2"), among which find picks the
// one asked for.
const pdokRows = 10

// pdokFields are the document fields a lookup uses (Solr's fl parameter).
const pdokFields = "type,postcode,huisnummer,huis_nlt,straatnaam,woonplaatsnaam,centroide_ll"

// maxPDOKBody bounds the answer read: ten address documents are a few kB.
const maxPDOKBody = 1 << 20

// pdokResponse is the envelope of a Locatieserver answer (Solr's JSON).
type pdokResponse struct {
	Response struct {
		NumFound int       `json:"numFound"`
		Docs     []pdokDoc `json:"docs"`
	} `json:"response"`
}

// pdokDoc is one address document of type "adres".
type pdokDoc struct {
	Type           string `json:"type"`
	Postcode       string `json:"postcode"`   // "3961AB"
	Huisnummer     int    `json:"huisnummer"` // 12
	HuisNLT        string `json:"huis_nlt"`   // number, letter and addition: "12", "12A", "12A-2"
	Straatnaam     string `json:"straatnaam"` // "Markt"
	Woonplaatsnaam string `json:"woonplaatsnaam"`
	CentroideLL    string `json:"centroide_ll"` // WKT in WGS84, longitude first: "POINT(5.34 51.97)"
}

// find looks the address up in the cache, then at PDOK. found is false when
// PDOK answered but knows no such address.
func (c *pdokClient) find(ctx context.Context, timeout time.Duration, pc, hn string) (loc wijkhelpt.Location, found bool, err error) {
	key := cacheKey(pc, hn)
	if c.cache != nil {
		loc, ok, err := c.cache.GetCachedLocation(ctx, key)
		if err == nil && ok {
			return loc, true, nil
		}
		if err != nil {
			c.log.WarnContext(ctx, "geo: location cache read failed", slog.String("error", err.Error()))
		}
	}
	loc, found, err = c.fetch(ctx, timeout, pc, hn)
	if err != nil || !found {
		return wijkhelpt.Location{}, false, err
	}
	if c.cache != nil {
		if err := c.cache.PutCachedLocation(ctx, key, loc); err != nil {
			c.log.WarnContext(ctx, "geo: location cache write failed", slog.String("error", err.Error()))
		}
	}
	return loc, true, nil
}

// cacheKey identifies an address in the cache without spelling it out, so
// that a cache key in a log or an error message does not give the address
// away at a glance.
func cacheKey(pc, hn string) string {
	h := sha256.Sum256([]byte(compact(pc) + "/" + hn))
	return "pdok:" + hex.EncodeToString(h[:16])
}

func (c *pdokClient) fetch(ctx context.Context, timeout time.Duration, pc, hn string) (wijkhelpt.Location, bool, error) {
	u, err := url.Parse(c.baseURL)
	if err != nil {
		return wijkhelpt.Location{}, false, errors.New("pdok: bad base URL")
	}
	number, _, _ := splitHouseNumber(hn)
	q := u.Query()
	q.Set("q", "postcode:"+strings.ReplaceAll(pc, " ", "")+" and huisnummer:"+number)
	q.Set("fq", "type:adres")
	q.Set("fl", pdokFields)
	q.Set("rows", strconv.Itoa(pdokRows))
	u.RawQuery = q.Encode()

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return wijkhelpt.Location{}, false, errors.New("pdok: build request")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return wijkhelpt.Location{}, false, transportError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxPDOKBody))
		return wijkhelpt.Location{}, false, fmt.Errorf("pdok: status %d", resp.StatusCode)
	}
	var body pdokResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxPDOKBody)).Decode(&body); err != nil {
		if ctx.Err() != nil {
			return wijkhelpt.Location{}, false, transportError(ctx.Err())
		}
		return wijkhelpt.Location{}, false, errors.New("pdok: answer is not the expected JSON")
	}
	doc, ok := pickAddress(body.Response.Docs, pc, hn)
	if !ok {
		return wijkhelpt.Location{}, false, nil
	}
	p, ok := parseWKTPoint(doc.CentroideLL)
	if !ok {
		return wijkhelpt.Location{}, false, errors.New("pdok: address has no usable point")
	}
	return wijkhelpt.Location{
		Postcode:    pc,
		HouseNumber: hn,
		Street:      strings.TrimSpace(doc.Straatnaam),
		Place:       strings.TrimSpace(doc.Woonplaatsnaam),
		PC4:         pc[:4],
		Point:       p,
		Source:      SourcePDOK,
	}, true, nil
}

// transportError describes a failed request without its URL.
func transportError(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("pdok: timeout")
	}
	if errors.Is(err, context.Canceled) {
		return errors.New("pdok: cancelled")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("pdok: request failed: %w", ue.Err)
	}
	return errors.New("pdok: request failed")
}

// pickAddress chooses the document for the house number asked for: the one
// whose number, letter and addition are the same, else (for "12a" when PDOK
// knows only "12") the plain number, which is the same building. Documents
// for another postcode or of another type are never used.
func pickAddress(docs []pdokDoc, pc, hn string) (pdokDoc, bool) {
	number, _, _ := splitHouseNumber(hn)
	want := compact(hn)
	var plain *pdokDoc
	for i := range docs {
		d := &docs[i]
		if d.Type != "" && d.Type != "adres" {
			continue
		}
		if compact(d.Postcode) != compact(pc) || strconv.Itoa(d.Huisnummer) != number {
			continue
		}
		if compact(d.HuisNLT) == want {
			return *d, true
		}
		if plain == nil && compact(d.HuisNLT) == number {
			plain = d
		}
	}
	if plain != nil {
		return *plain, true
	}
	return pdokDoc{}, false
}

// splitHouseNumber splits a normalised house number ("12a-2") into its
// number, letter and addition.
func splitHouseNumber(hn string) (number, letter, addition string) {
	i := 0
	for i < len(hn) && isDigit(hn[i]) {
		i++
	}
	number, rest := hn[:i], hn[i:]
	if len(rest) > 0 && isLower(rest[0]) {
		letter, rest = rest[:1], rest[1:]
	}
	return number, letter, strings.TrimPrefix(rest, "-")
}

// compact lower-cases s and drops spaces and dashes, so that "3961 AB" and
// "3961AB", or "12A-2" and "12a2", compare equal.
func compact(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r != ' ' && r != '-' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// parseWKTPoint reads "POINT(lon lat)".
func parseWKTPoint(s string) (wijkhelpt.Point, bool) {
	s = strings.TrimSpace(s)
	inner, ok := strings.CutPrefix(s, "POINT(")
	if !ok {
		return wijkhelpt.Point{}, false
	}
	inner, ok = strings.CutSuffix(inner, ")")
	if !ok {
		return wijkhelpt.Point{}, false
	}
	f := strings.Fields(inner)
	if len(f) != 2 {
		return wijkhelpt.Point{}, false
	}
	lon, err1 := strconv.ParseFloat(f[0], 64)
	lat, err2 := strconv.ParseFloat(f[1], 64)
	p := wijkhelpt.Point{Lat: lat, Lon: lon}
	if err1 != nil || err2 != nil || !p.Valid() {
		return wijkhelpt.Point{}, false
	}
	return p, true
}
