package search

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	regexpchar "github.com/blevesearch/bleve/v2/analysis/char/regexp"
	"github.com/blevesearch/bleve/v2/analysis/lang/nl"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// MappingVersion is the version of the index layout below. Change it with
// every change to the mapping or to what goes into a document: an index
// built with another version is rebuilt from the store at start.
const MappingVersion = 2

// Document types and field names.
const (
	typeOffer   = "offer"
	typeRequest = "request"

	fieldType       = "type"
	fieldName       = "name"
	fieldFirst      = "first"
	fieldText       = "text"
	fieldCategories = "categories"
	fieldSlots      = "slots"
	fieldGeo        = "geo"
	fieldActive     = "active"
	fieldKind       = "kind"
	fieldPC4        = "pc4"
	fieldRef        = "ref"
	fieldStatus     = "status"
)

// Analysis names of our own.
const (
	analyzerName      = "wijkhelpt_name"
	analyzerText      = "wijkhelpt_nl"
	charApostrophe    = "wijkhelpt_apostrophe"
	charUndouble      = "wijkhelpt_undouble"
	analyzerCodes     = "wijkhelpt_codes"
	synonymSourceName = "wijkhelpt_synonyms"
	synonymCollection = "wijkhelpt_synonyms"
)

// Keys of values kept inside the index.
var (
	keyMappingVersion = []byte("wijkhelpt_mapping_version")
	keySynonyms       = []byte("wijkhelpt_synonyms")
	keyBuilt          = []byte("wijkhelpt_built")
	keyOffersCursor   = []byte("wijkhelpt_cursor_offers")
	keyRequestsCursor = []byte("wijkhelpt_cursor_requests")
)

// newMapping describes the two document types. It is lean on purpose: no
// _all field, no term vectors, no stored values except the first name and
// the reference that a hit shows, doc values only where geo needs them.
func newMapping() (*mapping.IndexMappingImpl, error) {
	m := mapping.NewIndexMapping()
	m.TypeField = fieldType
	m.DefaultAnalyzer = keyword.Name
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	m.DefaultMapping = mapping.NewDocumentDisabledMapping()

	// Names: lower case, no stemming and no stop words, so that "de" in
	// "Jan de Vries" and a short name such as "Eef" stay findable. An
	// apostrophe splits a name, as it splits a query (see rawWords): the
	// word tokenizer would keep "d'hondt" whole, and "Hondt" would not
	// find it.
	if err := m.AddCustomCharFilter(charApostrophe, map[string]any{
		"type":    regexpchar.Name,
		"regexp":  "['\u2018\u2019`\u00b4]",
		"replace": " ",
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(analyzerName, map[string]any{
		"type":          custom.Name,
		"char_filters":  []any{charApostrophe},
		"tokenizer":     unicode.Name,
		"token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	// Free text: Bleve's Dutch analyser, after one repair. Its Snowball
	// stemmer undoubles only kk, dd and tt, so "boodschappen" became
	// "boodschapp" and "heggen" "hegg", never meeting "boodschap" and
	// "heg". Undoubling the consonant before an ending -e or -en first
	// brings both to one stem. One filter per consonant, in lower case:
	// a pattern that starts with a literal is found with a plain string
	// search, where one pattern for all (or any (?i)) would cost a third
	// of a rebuild. A word in capitals keeps its double consonant; the
	// query's typo tolerance still finds it.
	undouble := make([]any, 0, len(doubled))
	for _, c := range doubled {
		name := charUndouble + "_" + string(c)
		if err := m.AddCustomCharFilter(name, map[string]any{
			"type":    regexpchar.Name,
			"regexp":  string(c) + string(c) + `(en?)\b`,
			"replace": string(c) + "${1}",
		}); err != nil {
			return nil, err
		}
		undouble = append(undouble, name)
	}
	if err := m.AddCustomAnalyzer(analyzerText, map[string]any{
		"type":          custom.Name,
		"char_filters":  undouble,
		"tokenizer":     unicode.Name,
		"token_filters": []any{lowercase.Name, nl.StopName, nl.SnowballStemmerName},
	}); err != nil {
		return nil, err
	}
	// Lists of codes (categories, slots) go in as one value of words: one
	// field with several terms costs less to index than one field per
	// code. Slots are written "di_ochtend" there (see codeTerm), so that
	// the word tokenizer keeps them whole.
	if err := m.AddCustomAnalyzer(analyzerCodes, map[string]any{
		"type":      custom.Name,
		"tokenizer": unicode.Name,
	}); err != nil {
		return nil, err
	}
	if err := m.AddSynonymSource(synonymSourceName, map[string]any{
		"collection": synonymCollection,
		"analyzer":   analyzerText,
	}); err != nil {
		return nil, err
	}

	keywordField := func() *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		f.SkipFreqNorm = true // filters only: nothing to score
		return f
	}
	codesField := func() *mapping.FieldMapping {
		f := keywordField()
		f.Analyzer = analyzerCodes
		return f
	}
	analyzedField := func(analyzer string) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	textField := func() *mapping.FieldMapping {
		f := analyzedField(analyzerText)
		f.SynonymSource = synonymSourceName
		return f
	}
	nameField := func() *mapping.FieldMapping { return analyzedField(analyzerName) }
	storedOnly := func() *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = keyword.Name
		f.Index = false
		f.Store = true
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = false
		return f
	}
	geoField := func() *mapping.FieldMapping {
		f := mapping.NewGeoPointFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = true // the distance filter reads the exact point
		return f
	}
	boolField := func() *mapping.FieldMapping {
		f := mapping.NewBooleanFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false
		f.SkipFreqNorm = true
		return f
	}
	// Every query names its fields, so the composite _all field, which
	// Bleve builds by default, would only cost time.
	noAll := func(d *mapping.DocumentMapping) {
		d.AddSubDocumentMapping("_all", mapping.NewDocumentDisabledMapping())
	}

	offer := mapping.NewDocumentStaticMapping()
	offer.AddFieldMappingsAt(fieldType, keywordField())
	offer.AddFieldMappingsAt(fieldName, nameField())
	offer.AddFieldMappingsAt(fieldFirst, storedOnly())
	offer.AddFieldMappingsAt(fieldText, textField())
	offer.AddFieldMappingsAt(fieldCategories, codesField())
	offer.AddFieldMappingsAt(fieldSlots, codesField())
	offer.AddFieldMappingsAt(fieldGeo, geoField())
	offer.AddFieldMappingsAt(fieldActive, boolField())
	offer.AddFieldMappingsAt(fieldKind, keywordField())
	offer.AddFieldMappingsAt(fieldPC4, keywordField())
	noAll(offer)
	m.AddDocumentMapping(typeOffer, offer)

	request := mapping.NewDocumentStaticMapping()
	request.AddFieldMappingsAt(fieldType, keywordField())
	refField := keywordField()
	refField.Store = true
	// A search by reference is scored: without frequencies and norms the
	// score of a hit is 0 x Inf = NaN, which sorts anywhere and cannot be
	// written as JSON.
	refField.SkipFreqNorm = false
	request.AddFieldMappingsAt(fieldRef, refField)
	request.AddFieldMappingsAt(fieldText, textField())
	request.AddFieldMappingsAt(fieldCategories, codesField())
	request.AddFieldMappingsAt(fieldStatus, keywordField())
	request.AddFieldMappingsAt(fieldPC4, keywordField())
	request.AddFieldMappingsAt(fieldGeo, geoField())
	noAll(request)
	m.AddDocumentMapping(typeRequest, request)

	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// doubled are the consonants Dutch doubles before an ending that starts
// with a vowel.
const doubled = "bdfgklmnprstz"

// Document IDs carry their type, so that an offer and a request can never
// overwrite each other.
func offerDocID(id string) string   { return "o/" + id }
func requestDocID(id string) string { return "r/" + id }

// codeTerm is how a category or slot code is indexed: "di-ochtend" becomes
// "di_ochtend", one word to the tokenizer.
func codeTerm(code string) string { return strings.ReplaceAll(code, "-", "_") }

// anySlot is what the slots field holds for an offer without slots: one
// that may be asked at any time. It is no slot code (those hold a "_").
const anySlot = "altijd"

func codeList(codes []string) string {
	terms := make([]string, len(codes))
	for i, c := range codes {
		terms[i] = codeTerm(c)
	}
	return strings.Join(terms, " ")
}

// synonymsHash identifies a set of synonym groups, so that an index built
// with other synonyms is rebuilt.
func synonymsHash(groups [][]string) string {
	h := sha256.New()
	for _, g := range groups {
		h.Write([]byte(strings.Join(g, "\x1f")))
		h.Write([]byte{0x1e})
	}
	return hex.EncodeToString(h.Sum(nil))
}
