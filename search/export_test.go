package search

import (
	"fmt"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"

	"wijkhelpt"
)

// Test hooks for the external tests in package search_test.

// SetStoredMappingVersion overwrites the mapping version kept inside the
// index in use, to simulate an index built by an older release.
func (ix *Index) SetStoredMappingVersion(v string) error {
	g, err := ix.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	return g.idx.SetInternal(keyMappingVersion, []byte(v))
}

// DocIDs returns the IDs of every offer and every request in the index in
// use, in ID order, so that a test can compare the index with the store.
func (ix *Index) DocIDs() (offers, requests []string, err error) {
	g, err := ix.acquire()
	if err != nil {
		return nil, nil, err
	}
	defer g.release()
	n, err := g.idx.DocCount()
	if err != nil {
		return nil, nil, err
	}
	for _, typ := range []string{typeOffer, typeRequest} {
		req := bleve.NewSearchRequestOptions(termQuery(fieldType, typ), int(n), 0, false)
		req.SortByCustom(bsearch.SortOrder{&bsearch.SortDocID{}})
		res, err := g.idx.Search(req)
		if err != nil {
			return nil, nil, err
		}
		ids := make([]string, 0, len(res.Hits))
		for _, h := range res.Hits {
			_, id, _ := strings.Cut(h.ID, "/")
			ids = append(ids, id)
		}
		if typ == typeOffer {
			offers = ids
		} else {
			requests = ids
		}
	}
	return offers, requests, nil
}

// OfferFields and RequestFields analyse a document twice: as the index
// builds it (documents), and through the mapping by reflection over the
// same values, as Bleve would without documents. Each field comes back as
// its name -> options and sorted terms, so that a test can see the two
// agree.
func OfferFields(o *wijkhelpt.Offer) (built, mapped map[string]string, err error) {
	slots := codeList(o.Slots)
	if slots == "" {
		slots = anySlot
	}
	data := map[string]any{
		fieldType:       typeOffer,
		fieldName:       strings.TrimSpace(o.Name + " " + o.Organisation),
		fieldFirst:      o.FirstName(),
		fieldText:       o.Text,
		fieldCategories: codeList(o.Categories),
		fieldSlots:      slots,
		// "lat,lon": a map would also be walked into as fields of its own.
		fieldGeo:    fmt.Sprintf("%v,%v", o.Location.Point.Lat, o.Location.Point.Lon),
		fieldActive: o.Active && !o.Suspended,
		fieldKind:   o.Kind,
		fieldPC4:    o.Location.PC4,
	}
	if !o.Location.Point.Valid() {
		delete(data, fieldGeo)
	}
	return bothWays(func(d *documents) *document.Document { return d.offer(o) }, data)
}

func RequestFields(r *wijkhelpt.Request) (built, mapped map[string]string, err error) {
	data := map[string]any{
		fieldType:       typeRequest,
		fieldRef:        r.Ref,
		fieldText:       requestText(r),
		fieldCategories: codeList(r.Categories),
		fieldStatus:     string(r.Status),
		fieldPC4:        r.Location.PC4,
		// "lat,lon": a map would also be walked into as fields of its own.
		fieldGeo: fmt.Sprintf("%v,%v", r.Location.Point.Lat, r.Location.Point.Lon),
	}
	if !r.Location.Point.Valid() {
		delete(data, fieldGeo)
	}
	return bothWays(func(d *documents) *document.Document { return d.request(r) }, data)
}

func bothWays(build func(*documents) *document.Document, data map[string]any) (built, mapped map[string]string, err error) {
	m, err := newMapping()
	if err != nil {
		return nil, nil, err
	}
	d, err := newDocuments(m)
	if err != nil {
		return nil, nil, err
	}
	// documents leaves empty text out, where the mapping adds a field
	// without terms: the same to every query.
	for k, v := range data {
		if v == "" {
			delete(data, k)
		}
	}
	b := build(d)
	viaMapping := document.NewDocument(b.ID())
	if err := m.MapDocument(viaMapping, data); err != nil {
		return nil, nil, err
	}
	return fieldSummary(b), fieldSummary(viaMapping), nil
}

func fieldSummary(doc *document.Document) map[string]string {
	out := map[string]string{}
	doc.VisitFields(func(f index.Field) {
		f.Analyze()
		terms := make([]string, 0, len(f.AnalyzedTokenFrequencies()))
		for term, tf := range f.AnalyzedTokenFrequencies() {
			terms = append(terms, fmt.Sprintf("%q x%d", term, tf.Frequency()))
		}
		sort.Strings(terms)
		out[f.Name()] += fmt.Sprintf("%s len=%d %v", f.Options(), f.AnalyzedLength(), terms)
	})
	return out
}

// IndexedTextBytes is how much text the index in use has analysed since it
// was opened: it grows with every document indexed, and with nothing else.
func (ix *Index) IndexedTextBytes() (uint64, error) {
	g, err := ix.acquire()
	if err != nil {
		return 0, err
	}
	defer g.release()
	stats, _ := g.idx.StatsMap()["index"].(map[string]any)
	n, ok := stats["TotIndexedPlainTextBytes"].(uint64)
	if !ok {
		return 0, fmt.Errorf("no TotIndexedPlainTextBytes in the index stats %v", stats)
	}
	return n, nil
}
