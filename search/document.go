package search

import (
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"wijkhelpt"
)

// documents turns offers and requests into Bleve documents directly, with
// the field options and analysers that the mapping declares. Walking a map
// through the mapping by reflection would do the same at several times the
// cost, and a rebuild must index tens of thousands of offers a second.
// TestDocumentsFollowMapping checks that both ways give the same fields.
type documents struct {
	fields map[string]fieldSpec // by type + "." + field
}

type fieldSpec struct {
	name     string
	opts     index.FieldIndexingOptions
	analyzer analysis.Analyzer
}

func newDocuments(m *mapping.IndexMappingImpl) (*documents, error) {
	d := &documents{fields: map[string]fieldSpec{}}
	for typ, dm := range m.TypeMapping {
		for name, prop := range dm.Properties {
			if len(prop.Fields) == 0 {
				continue
			}
			fm := prop.Fields[0]
			spec := fieldSpec{name: name, opts: fm.Options()}
			if fm.Type == "text" {
				an := fm.Analyzer
				if an == "" {
					an = m.DefaultAnalyzer
				}
				spec.analyzer = m.AnalyzerNamed(an)
				if spec.analyzer == nil {
					return nil, fmt.Errorf("search: no analyzer %q for %s.%s", an, typ, name)
				}
			}
			d.fields[typ+"."+name] = spec
		}
	}
	return d, nil
}

func (d *documents) spec(typ, field string) fieldSpec {
	s, ok := d.fields[typ+"."+field]
	if !ok {
		// The field names are constants of this package: a miss is a bug
		// that every test run shows.
		panic("search: field " + typ + "." + field + " is not in the mapping")
	}
	return s
}

func (d *documents) text(doc *document.Document, typ, field, value string) {
	if value == "" {
		return
	}
	s := d.spec(typ, field)
	doc.AddField(document.NewTextFieldCustom(s.name, nil, []byte(value), s.opts, s.analyzer))
}

func (d *documents) geo(doc *document.Document, typ string, p wijkhelpt.Point) {
	if !p.Valid() {
		return
	}
	s := d.spec(typ, fieldGeo)
	doc.AddField(document.NewGeoPointFieldWithIndexingOptions(s.name, nil, p.Lon, p.Lat, s.opts))
}

// offer is what the index keeps of an offer: what the mediators search and
// what candidate selection filters on. Phone, email and address stay in
// the store.
func (d *documents) offer(o *wijkhelpt.Offer) *document.Document {
	doc := document.NewDocument(offerDocID(o.ID))
	d.text(doc, typeOffer, fieldType, typeOffer)
	d.text(doc, typeOffer, fieldName, strings.TrimSpace(o.Name+" "+o.Organisation))
	d.text(doc, typeOffer, fieldFirst, o.FirstName())
	d.text(doc, typeOffer, fieldText, o.Text)
	d.text(doc, typeOffer, fieldCategories, codeList(o.Categories))
	slots := codeList(o.Slots)
	if slots == "" {
		slots = anySlot
	}
	d.text(doc, typeOffer, fieldSlots, slots)
	d.geo(doc, typeOffer, o.Location.Point)
	// Only an offer that may be suggested counts as active here.
	s := d.spec(typeOffer, fieldActive)
	doc.AddField(document.NewBooleanFieldWithIndexingOptions(s.name, nil, o.Active && !o.Suspended, s.opts))
	d.text(doc, typeOffer, fieldKind, o.Kind)
	d.text(doc, typeOffer, fieldPC4, o.Location.PC4)
	doc.SetIndexed()
	return doc
}

// request is what the index keeps of a request: its text and the
// mediators' notes, for the free-text search, and what to filter on.
func (d *documents) request(r *wijkhelpt.Request) *document.Document {
	doc := document.NewDocument(requestDocID(r.ID))
	d.text(doc, typeRequest, fieldType, typeRequest)
	d.text(doc, typeRequest, fieldRef, r.Ref)
	d.text(doc, typeRequest, fieldText, requestText(r))
	d.text(doc, typeRequest, fieldCategories, codeList(r.Categories))
	d.text(doc, typeRequest, fieldStatus, string(r.Status))
	d.text(doc, typeRequest, fieldPC4, r.Location.PC4)
	d.geo(doc, typeRequest, r.Location.Point)
	doc.SetIndexed()
	return doc
}

func requestText(r *wijkhelpt.Request) string {
	var b strings.Builder
	b.WriteString(r.Text)
	for _, n := range r.Notes {
		b.WriteString("\n")
		b.WriteString(n.Text)
	}
	return b.String()
}
