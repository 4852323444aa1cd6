package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"wijkhelpt"
)

// Limits on what a query may ask for.
const (
	defaultLimit  = 20
	maxLimit      = 200
	maxQueryWords = 12
)

// OfferQuery is a mediator's search for any volunteer: by name or by what
// they wrote, optionally narrowed to categories and to a distance.
type OfferQuery struct {
	Text       string           // name or free text; empty matches every offer
	Categories []string         // any of these; empty = all
	Slots      []string         // any of these ("di-ochtend"), or none set (any time, as in matching); empty = all
	Near       *wijkhelpt.Point // with WithinKm: only offers this close
	WithinKm   float64
	ActiveOnly bool // leave out paused and suspended offers
	Limit      int  // default 20, at most 200
}

// OfferHit is one offer found. It carries nothing personal beyond the first
// name; the caller loads the offer from the store.
type OfferHit struct {
	ID        string  `json:"id"`
	FirstName string  `json:"firstName"`
	Score     float64 `json:"score"`
}

// RequestHit is one request found, by ID and reference.
type RequestHit struct {
	ID    string  `json:"id"`
	Ref   string  `json:"ref"`
	Score float64 `json:"score"`
}

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}

func termQuery(field, term string) *query.TermQuery {
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	return q
}

// anyCode matches documents with any of the codes in a code-list field.
func anyCode(field string, codes []string) query.Query {
	qs := make([]query.Query, 0, len(codes))
	for _, c := range codes {
		qs = append(qs, termQuery(field, codeTerm(c)))
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// geoWithin keeps documents whose point lies within km of p. Bleve's earth
// radius differs from ours in the fourth digit, so the circle is a little
// larger: callers that need the exact rule (matching) check it themselves.
func geoWithin(p wijkhelpt.Point, km float64) query.Query {
	q := bleve.NewGeoDistanceQuery(p.Lon, p.Lat, strconv.FormatFloat(km*1.001+0.01, 'f', 4, 64)+"km")
	q.SetField(fieldGeo)
	return q
}

// geoCovering keeps documents whose point lies within km of p, measured as
// wijkhelpt.DistanceKm measures, and some just outside. Bleve finds points
// for a circle twice over, in two other earths: it picks the index cells
// for a cap on a sphere of radius 6378 km, then keeps the points whose
// distance on the ellipsoid (radius 6356.8 km at the poles to 6378.1 km at
// the equator) is within the circle. Both can shrink the circle by up to
// 0.112 % against our radius of 6371.0088 km, so the circle asked is 0.5 %
// and 10 metres larger (which also covers the rounding of Bleve's stored
// points and of its 1-cos haversine). The 0.1 % of geoWithin is enough only
// at Dutch latitudes and up to about 90 km.
func geoCovering(p wijkhelpt.Point, km float64) query.Query {
	q := bleve.NewGeoDistanceQuery(p.Lon, p.Lat, strconv.FormatFloat(km*1.005+0.01, 'f', 4, 64)+"km")
	q.SetField(fieldGeo)
	return q
}

// textQuery builds the scored part of a free-text search: every word may
// match a name (whole, as a prefix, or with a typo) or the text (through
// the Dutch analyser and the synonyms, or with a typo).
func textQuery(text string, withName bool) query.Query {
	words := rawWords(text)
	if len(words) > maxQueryWords {
		words = words[:maxQueryWords]
	}
	all := bleve.NewDisjunctionQuery()
	for _, w := range words {
		n := utf8.RuneCountInString(w)
		fuzz := 0
		switch {
		case n >= 8:
			fuzz = 2
		case n >= 4:
			fuzz = 1
		}
		var alts []query.Query
		if withName {
			exact := termQuery(fieldName, w)
			exact.SetBoost(4)
			alts = append(alts, exact)
			if n >= 2 {
				p := bleve.NewPrefixQuery(w)
				p.SetField(fieldName)
				p.SetBoost(2)
				alts = append(alts, p)
			}
			if fuzz > 0 {
				f := bleve.NewFuzzyQuery(w)
				f.SetField(fieldName)
				f.SetFuzziness(fuzz)
				f.SetBoost(1.5)
				alts = append(alts, f)
			}
		}
		m := bleve.NewMatchQuery(w)
		m.SetField(fieldText)
		m.SetBoost(2)
		alts = append(alts, m)
		if fuzz > 0 {
			mf := bleve.NewMatchQuery(w)
			mf.SetField(fieldText)
			mf.SetFuzziness(1)
			mf.SetBoost(0.5)
			alts = append(alts, mf)
		}
		all.AddQuery(bleve.NewDisjunctionQuery(alts...))
	}
	return all
}

func (ix *Index) search(ctx context.Context, req *bleve.SearchRequest) (*bleve.SearchResult, error) {
	g, err := ix.acquire()
	if err != nil {
		return nil, err
	}
	defer g.release()
	return g.idx.SearchInContext(ctx, req)
}

// SearchOffers finds offers by name or free text, best first. Without text
// it lists the offers that pass the filters, nearest first when Near is set.
func (ix *Index) SearchOffers(ctx context.Context, q OfferQuery) ([]OfferHit, error) {
	filters := []query.Query{termQuery(fieldType, typeOffer)}
	if len(q.Categories) > 0 {
		filters = append(filters, anyCode(fieldCategories, q.Categories))
	}
	if len(q.Slots) > 0 {
		filters = append(filters, anyCode(fieldSlots, append(slices.Clip(q.Slots), anySlot)))
	}
	if q.Near != nil && q.WithinKm > 0 {
		filters = append(filters, geoWithin(*q.Near, q.WithinKm))
	}
	if q.ActiveOnly {
		active := bleve.NewBoolFieldQuery(true)
		active.SetField(fieldActive)
		filters = append(filters, active)
	}
	b := bleve.NewBooleanQuery()
	b.AddFilter(bleve.NewConjunctionQuery(filters...))
	hasText := len(rawWords(q.Text)) > 0
	if hasText {
		b.AddMust(textQuery(q.Text, true))
	}
	req := bleve.NewSearchRequestOptions(b, clampLimit(q.Limit), 0, false)
	req.Fields = []string{fieldFirst}
	switch {
	case hasText:
		req.SortByCustom(bsearch.SortOrder{&bsearch.SortScore{Desc: true}, &bsearch.SortDocID{}})
	case q.Near != nil:
		req.SortByCustom(bsearch.SortOrder{
			&bsearch.SortGeoDistance{Field: fieldGeo, Lon: q.Near.Lon, Lat: q.Near.Lat, Unit: "km"},
			&bsearch.SortDocID{},
		})
	default:
		req.SortByCustom(bsearch.SortOrder{&bsearch.SortDocID{}})
	}
	res, err := ix.search(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: offers: %w", err)
	}
	out := make([]OfferHit, 0, len(res.Hits))
	for _, h := range res.Hits {
		first, _ := h.Fields[fieldFirst].(string)
		out = append(out, OfferHit{ID: strings.TrimPrefix(h.ID, "o/"), FirstName: first, Score: h.Score})
	}
	return out, nil
}

// SearchRequests finds requests by reference ("WH-7K3F") or by what their
// text and notes say, best first.
func (ix *Index) SearchRequests(ctx context.Context, text string, limit int) ([]RequestHit, error) {
	if len(rawWords(text)) == 0 {
		return []RequestHit{}, nil
	}
	should := bleve.NewDisjunctionQuery(textQuery(text, false))
	for _, f := range strings.Fields(text) {
		ref := termQuery(fieldRef, strings.ToUpper(strings.Trim(f, ".,;:!?\"'()")))
		ref.SetBoost(10)
		should.AddQuery(ref)
	}
	b := bleve.NewBooleanQuery()
	b.AddFilter(termQuery(fieldType, typeRequest))
	b.AddMust(should)
	req := bleve.NewSearchRequestOptions(b, clampLimit(limit), 0, false)
	req.Fields = []string{fieldRef}
	req.SortByCustom(bsearch.SortOrder{&bsearch.SortScore{Desc: true}, &bsearch.SortDocID{}})
	res, err := ix.search(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: requests: %w", err)
	}
	out := make([]RequestHit, 0, len(res.Hits))
	for _, h := range res.Hits {
		ref, _ := h.Fields[fieldRef].(string)
		out = append(out, RequestHit{ID: strings.TrimPrefix(h.ID, "r/"), Ref: ref, Score: h.Score})
	}
	return out, nil
}

// Candidates returns the IDs of the offers within radiusKm of p that are
// active (not paused, not suspended) and have any of the categories (any
// category at all, and none, when categories is empty), in ID order. The
// circle is a little larger than asked (see geoCovering), so the result may
// hold offers just outside: the caller applies the exact distance rule.
// Offers without a location are never candidates. Package matching uses it
// as a source of candidates (matching.WithCandidates).
func (ix *Index) Candidates(ctx context.Context, p wijkhelpt.Point, radiusKm float64, categories []string) ([]string, error) {
	if !(radiusKm > 0) || !p.Valid() {
		return []string{}, nil
	}
	active := bleve.NewBoolFieldQuery(true)
	active.SetField(fieldActive)
	filters := []query.Query{termQuery(fieldType, typeOffer), active, geoCovering(p, radiusKm)}
	if len(categories) > 0 {
		filters = append(filters, anyCode(fieldCategories, categories))
	}
	g, err := ix.acquire()
	if err != nil {
		return nil, err
	}
	defer g.release()
	// One pass over all the hits, unscored and unsorted: paging would run
	// the whole query again for every page, and sorting by ID in Bleve
	// costs more than sorting the strings here.
	n, err := g.idx.DocCount()
	if err != nil {
		return nil, fmt.Errorf("search: candidates: %w", err)
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(filters...), max(int(n), 1), 0, false)
	req.Score = "none"
	res, err := g.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: candidates: %w", err)
	}
	out := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		out = append(out, strings.TrimPrefix(h.ID, "o/"))
	}
	slices.Sort(out)
	return out, nil
}

// FindOfferIDs returns the IDs of the offers whose name or text matches,
// best first: the mediator's volunteer search (portal.Finder). When nothing
// matches it reads the words as a kind of help ("computer", "hond
// uitlaten") and returns the offers in the categories the classifier finds,
// in ID order, with those categories; otherwise categories is empty.
func (ix *Index) FindOfferIDs(ctx context.Context, text string, limit int) (ids, categories []string, err error) {
	if len(rawWords(text)) == 0 {
		return []string{}, nil, nil
	}
	hits, err := ix.SearchOffers(ctx, OfferQuery{Text: text, Limit: limit})
	if err != nil || len(hits) > 0 {
		ids, err := hitIDs(hits, err, func(h OfferHit) string { return h.ID })
		return ids, nil, err
	}
	for _, c := range ix.classifier.Classify(text) {
		categories = append(categories, c.Code)
	}
	if len(categories) == 0 {
		return []string{}, nil, nil
	}
	hits, err = ix.SearchOffers(ctx, OfferQuery{Categories: categories, ActiveOnly: true, Limit: limit})
	ids, err = hitIDs(hits, err, func(h OfferHit) string { return h.ID })
	if err != nil {
		return nil, nil, err
	}
	return ids, categories, nil
}

// FindRequestIDs returns the IDs of the requests with that reference or
// whose text or notes match, best first: the mediator's request search
// (portal.Finder).
func (ix *Index) FindRequestIDs(ctx context.Context, text string, limit int) ([]string, error) {
	hits, err := ix.SearchRequests(ctx, text, limit)
	return hitIDs(hits, err, func(h RequestHit) string { return h.ID })
}

func hitIDs[H any](hits []H, err error, id func(H) string) ([]string, error) {
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = id(h)
	}
	return ids, nil
}
