package search

import (
	"fmt"
	"math"
	"sort"
	"strings"
	stdunicode "unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/nl"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"

	"wijkhelpt"
)

// How much a match counts, relative to a whole-word match in the sentence
// that asks the question.
const (
	compoundFactor = 0.75 // "achtertuin" for "tuin"
	typoFactor     = 0.6  // "boodschapen" for "boodschappen"
	reasonFactor   = 0.6  // a sentence that gives the reason, not the question
	phraseBonus    = 0.5  // extra weight per extra word of a phrase
	maxClassifyLen = 4000 // bytes of text looked at; requests are at most 2000 runes
	scoreSmoothing = 1.0  // keeps the score of a text with only weak evidence low
)

const (
	langNL = iota
	langEN
	numLangs
)

// Classifier infers help categories from free text (spec §5). It runs the
// text and its vocabulary through Bleve's Dutch and English analysers, so
// that "boodschap", "boodschappen" and "groceries" meet their terms whatever
// their form. A Classifier is immutable and safe for concurrent use.
type Classifier struct {
	// words analyses text for single-word terms: Bleve's "nl" and "en"
	// analysers, stop words removed. phrases analyses it for phrases: the
	// same tokenizer and stemmers, stop words kept, so that "de was" and
	// "op de koffie" keep their little words.
	words   [numLangs]analysis.Analyzer
	phrases [numLangs]analysis.Analyzer
	stemNL  analysis.TokenFilter

	entries []entry
	// first maps a language and the first token of an entry to the entries
	// that start with it: single words, then phrases.
	firstWord   [numLangs]map[string][]int32
	firstPhrase [numLangs]map[string][]int32
	// parts maps a raw vocabulary word, and its Dutch stem, to the
	// single-word entries it belongs to: compound parts and typo candidates.
	parts    map[string][]int32
	partList []string // the raw words, for typo matching

	callers  [][]string
	persons  map[string]bool
	ask      [][]string
	nosplit  map[string]bool
	synonyms [][]string
}

type entry struct {
	cat    string
	phrase bool
	seq    [numLangs][]string
	weight float64
}

// NewClassifier builds a classifier from a vocabulary in the format of
// DefaultVocabulary. It reports every line it cannot use.
func NewClassifier(vocab []byte) (*Classifier, error) {
	v, err := parseVocabulary(vocab)
	if err != nil {
		return nil, err
	}
	c := &Classifier{
		parts:    map[string][]int32{},
		callers:  v.callers,
		persons:  v.persons,
		ask:      v.ask,
		nosplit:  v.nosplit,
		synonyms: v.synonyms,
	}
	if err := c.setupAnalyzers(); err != nil {
		return nil, err
	}

	// The same term under the same category twice counts once, with the
	// higher weight.
	type key struct{ cat, seq string }
	seen := map[key]int{}
	for _, t := range v.terms {
		e := entry{cat: t.code, phrase: len(rawWords(t.text)) > 1}
		content := 0 // words a phrase has beside stop words, in its sparsest language
		for l := range numLangs {
			if e.phrase {
				e.seq[l] = terms(analyzeText(c.phrases[l], t.text))
				n := len(analyzeText(c.words[l], t.text))
				if l == 0 || n < content {
					content = n
				}
			} else {
				e.seq[l] = terms(analyzeText(c.words[l], t.text))
			}
		}
		if len(e.seq[langNL]) == 0 && len(e.seq[langEN]) == 0 {
			return nil, fmt.Errorf("search: vocabulary line %d: %q has only stop words; write a phrase such as \"de was\"", t.line, t.text)
		}
		e.weight = t.weight * (1 + phraseBonus*float64(max(content, 1)-1))
		k := key{t.code, fmt.Sprint(e.phrase, e.seq)}
		if i, ok := seen[k]; ok {
			c.entries[i].weight = max(c.entries[i].weight, e.weight)
			continue
		}
		seen[k] = len(c.entries)
		c.entries = append(c.entries, e)
	}

	// Terms that several categories share say less about any one of them:
	// weigh each by an inverse category frequency, 1 for a term of one
	// category and less for more.
	cats := map[string]map[string]bool{}
	idfKey := func(e entry) string { return fmt.Sprint(e.phrase, e.seq[langNL]) }
	for _, e := range c.entries {
		k := idfKey(e)
		if cats[k] == nil {
			cats[k] = map[string]bool{}
		}
		cats[k][e.cat] = true
	}
	total := float64(len(wijkhelpt.Categories()))
	for i := range c.entries {
		df := float64(len(cats[idfKey(c.entries[i])]))
		c.entries[i].weight *= (1 + math.Log(total/df)) / (1 + math.Log(total))
	}

	for l := range numLangs {
		c.firstWord[l] = map[string][]int32{}
		c.firstPhrase[l] = map[string][]int32{}
	}
	for i, e := range c.entries {
		for l := range numLangs {
			if len(e.seq[l]) == 0 {
				continue
			}
			m := c.firstWord[l]
			if e.phrase {
				m = c.firstPhrase[l]
			}
			m[e.seq[l][0]] = append(m[e.seq[l][0]], int32(i))
		}
	}
	for _, t := range v.terms {
		words := rawWords(t.text)
		if len(words) != 1 || utf8.RuneCountInString(words[0]) < 4 {
			continue
		}
		w, st := words[0], c.stem(words[0])
		for _, e := range c.firstWord[langNL][st] {
			if c.entries[e].cat == t.code {
				c.addPart(w, e)
				c.addPart(st, e)
			}
		}
	}
	for w := range c.parts {
		c.partList = append(c.partList, w)
	}
	sort.Strings(c.partList)
	return c, nil
}

// setupAnalyzers takes the analysers from a registry cache of this
// classifier's own.
func (c *Classifier) setupAnalyzers() error {
	cache := registry.NewCache()
	var err error
	for l, name := range [numLangs]string{nl.AnalyzerName, en.AnalyzerName} {
		if c.words[l], err = cache.AnalyzerNamed(name); err != nil {
			return fmt.Errorf("search: analyzer %s: %w", name, err)
		}
	}
	phrase := map[int][]string{
		langNL: {lowercase.Name, nl.SnowballStemmerName},
		langEN: {en.PossessiveName, lowercase.Name, porter.Name},
	}
	for l, filters := range phrase {
		name := fmt.Sprintf("wijkhelpt_phrase_%d", l)
		c.phrases[l], err = cache.DefineAnalyzer(name, map[string]any{
			"type":          custom.Name,
			"tokenizer":     unicode.Name,
			"token_filters": filters,
		})
		if err != nil {
			return fmt.Errorf("search: phrase analyzer: %w", err)
		}
	}
	if c.stemNL, err = cache.TokenFilterNamed(nl.SnowballStemmerName); err != nil {
		return fmt.Errorf("search: dutch stemmer: %w", err)
	}
	return nil
}

func (c *Classifier) addPart(w string, e int32) {
	for _, x := range c.parts[w] {
		if x == e {
			return
		}
	}
	c.parts[w] = append(c.parts[w], e)
}

// Synonyms returns the synonym groups of the vocabulary, for the search index.
func (c *Classifier) Synonyms() [][]string {
	out := make([][]string, len(c.synonyms))
	for i, g := range c.synonyms {
		out[i] = append([]string(nil), g...)
	}
	return out
}

// token is an analysed token with where it came from.
type token struct {
	term       string
	start, end int // bytes in the analysed text
	pos        int
}

func analyzeText(a analysis.Analyzer, s string) []token {
	ts := a.Analyze([]byte(s))
	out := make([]token, 0, len(ts))
	for _, t := range ts {
		out = append(out, token{term: string(t.Term), start: t.Start, end: t.End, pos: t.Position})
	}
	return out
}

func terms(ts []token) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.term
	}
	return out
}

// stem is the Dutch stem of one lower-case word.
func (c *Classifier) stem(w string) string {
	ts := c.stemNL.Filter(analysis.TokenStream{{Term: []byte(w)}})
	if len(ts) == 0 {
		return w
	}
	return string(ts[0].Term)
}

// Classify returns the categories the text points at, best first: every
// category that scores above zero, with a score in [0, 1]. Equal scores are
// ordered by code, so the result is the same for the same text.
func (c *Classifier) Classify(text string) []wijkhelpt.CategoryScore {
	raw, total := c.sum(c.match(text))
	out := make([]wijkhelpt.CategoryScore, 0, len(raw))
	for code, s := range raw {
		out = append(out, wijkhelpt.CategoryScore{Code: code, Score: s / (total + scoreSmoothing)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// match finds where vocabulary entries occur in text.
func (c *Classifier) match(text string) []hit {
	if len(text) > maxClassifyLen {
		cut := maxClassifyLen
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	text = strings.ToValidUTF8(text, " ")
	lower := strings.ToLower(text)
	body := lower[c.introEnd(lower):]
	sents := c.sentences(body)

	var found []hit
	note := func(e int32, start, end int, f float64) {
		found = append(found, hit{e: e, start: start, end: end, value: c.entries[e].weight * f})
	}
	var toks [numLangs][]token
	for l := range numLangs {
		toks[l] = analyzeText(c.words[l], body)
		for _, t := range toks[l] {
			for _, e := range c.firstWord[l][t.term] {
				note(e, t.start, t.end, sents.weight(t.start))
			}
		}
		ts := analyzeText(c.phrases[l], body)
		for i, t := range ts {
			for _, e := range c.firstPhrase[l][t.term] {
				if seq := c.entries[e].seq[l]; phraseAt(ts, i, seq) {
					note(e, t.start, ts[i+len(seq)-1].end, sents.weight(t.start))
				}
			}
		}
	}

	// Dutch glues words together and people mistype: give long words that
	// matched nothing a second look for a known part or a near miss.
	for _, t := range toks[langNL] {
		if c.knownSingle(t.term) {
			continue
		}
		raw := body[t.start:t.end]
		if utf8.RuneCountInString(raw) < 7 || c.nosplit[raw] {
			continue
		}
		found := false
		for _, e := range c.compoundParts(raw) {
			note(e, t.start, t.end, compoundFactor*sents.weight(t.start))
			found = true
		}
		if found {
			continue
		}
		for _, e := range c.nearMisses(raw) {
			note(e, t.start, t.end, typoFactor*sents.weight(t.start))
		}
	}

	return found
}

// hit is one place where an entry matched the text.
type hit struct {
	e          int32
	start, end int // bytes
	value      float64
}

// sum adds up the hits per category. Each entry counts once, however often
// it occurs, and a stretch of text counts once per category: "boodschappen
// doen" matching both the phrase and the word "boodschappen" counts as the
// phrase, and "schoonmaken" is one word even when it is written under a
// category twice in two forms.
func (c *Classifier) sum(hits []hit) (map[string]float64, float64) {
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.value != b.value {
			return a.value > b.value
		}
		if a.e != b.e {
			return a.e < b.e
		}
		return a.start < b.start
	})
	used := map[int32]bool{}
	taken := map[string][][2]int{}
	raw := map[string]float64{}
	total := 0.0
next:
	for _, h := range hits {
		if used[h.e] {
			continue
		}
		cat := c.entries[h.e].cat
		for _, span := range taken[cat] {
			if h.start < span[1] && span[0] < h.end {
				continue next
			}
		}
		used[h.e] = true
		taken[cat] = append(taken[cat], [2]int{h.start, h.end})
		raw[cat] += h.value
		total += h.value
	}
	return raw, total
}

// phraseAt reports whether seq starts at ts[i].
func phraseAt(ts []token, i int, seq []string) bool {
	if i+len(seq) > len(ts) {
		return false
	}
	for k := 1; k < len(seq); k++ {
		if ts[i+k].term != seq[k] {
			return false
		}
	}
	return true
}

func (c *Classifier) knownSingle(stem string) bool {
	return len(c.firstWord[langNL][stem]) > 0
}

// compoundParts finds vocabulary words at the start or the end of a compound:
// "boodschappen" in "boodschappenlijstje", "deur" in "slaapkamerdeur". The
// other part must be at least three letters, so that a word is not found
// inside itself with an ending.
func (c *Classifier) compoundParts(w string) []int32 {
	var out []int32
	add := func(es []int32) {
	next:
		for _, e := range es {
			for _, x := range out {
				if x == e {
					continue next
				}
			}
			out = append(out, e)
		}
	}
	runes := []rune(w)
	for i := 3; i <= len(runes)-3; i++ {
		head, tail := string(runes[:i]), string(runes[i:])
		if i >= 4 {
			if es, ok := c.parts[head]; ok {
				add(es)
			} else if es, ok := c.parts[c.stem(head)]; ok {
				add(es)
			}
		}
		if len(runes)-i >= 4 {
			if es, ok := c.parts[tail]; ok {
				add(es)
			} else if es, ok := c.parts[c.stem(tail)]; ok {
				add(es)
			}
		}
	}
	return out
}

// nearMisses finds vocabulary words one typing mistake away from w (two for
// long words). The first letter must agree: people rarely mistype it, and
// without that rule too many ordinary words would look like terms.
func (c *Classifier) nearMisses(w string) []int32 {
	rw := []rune(w)
	maxDist := 1
	if len(rw) >= 10 {
		maxDist = 2
	}
	var out []int32
	for _, p := range c.partList {
		rp := []rune(p)
		if len(rp) < 6 || rp[0] != rw[0] || absInt(len(rp)-len(rw)) > maxDist {
			continue
		}
		if editDistance(rw, rp, maxDist) <= maxDist {
			out = append(out, c.parts[p]...)
		}
	}
	return out
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// editDistance is the optimal string alignment distance (insertions,
// deletions, substitutions and swaps of neighbours), or more than limit.
func editDistance(a, b []rune, limit int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// rawWords splits lower-cased text into words of letters and digits.
func rawWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !stdunicode.IsLetter(r) && !stdunicode.IsDigit(r)
	})
}

// rawWord is a word of the text with its byte offsets.
type rawWord struct {
	w          string
	start, end int
}

func rawWordSpans(s string) []rawWord {
	var out []rawWord
	start := -1
	for i, r := range s {
		in := stdunicode.IsLetter(r) || stdunicode.IsDigit(r)
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			out = append(out, rawWord{s[start:i], start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, rawWord{s[start:], start, len(s)})
	}
	return out
}

func seqAt(ws []rawWord, i int, seq []string) bool {
	if i+len(seq) > len(ws) {
		return false
	}
	for k, s := range seq {
		if ws[i+k].w != s {
			return false
		}
	}
	return true
}

// introWords is how far into a text a staff introduction may reach.
const introWords = 10

// introEnd finds where a phone-staff introduction ends ("mevrouw belt:",
// "dochter van meneer Smit vraagt of", "telefoon:") and returns the byte
// offset of the text after it, or 0. The introduction names who called,
// which would otherwise count as content ("dochter" is a word of the
// children's category).
func (c *Classifier) introEnd(s string) int {
	ws := rawWordSpans(s)
	limit := min(len(ws), introWords)
	// A caller verb near the start ends the introduction.
	for i := 0; i < limit; i++ {
		for _, seq := range c.callers {
			if seqAt(ws, i, seq) {
				end := ws[i+len(seq)-1].end
				if k := strings.IndexByte(s[end:], ':'); k >= 0 && k < 40 && !strings.ContainsAny(s[end:end+k], ".?!") {
					end += k + 1
				}
				return end
			}
		}
	}
	// Otherwise a colon after words that name the caller does.
	colon := strings.IndexByte(s, ':')
	if colon < 0 {
		return 0
	}
	before := 0
	named := false
	for _, w := range ws {
		if w.start > colon {
			break
		}
		before++
		named = named || c.persons[w.w]
	}
	if named && before <= introWords {
		return colon + 1
	}
	return 0
}

// sentenceSet knows which sentences of a text ask the question.
type sentenceSet struct {
	ends []int  // byte offset where each sentence ends
	ask  []bool // the sentence asks for help
	any  bool   // some sentence asks and some does not
}

func (c *Classifier) sentences(s string) sentenceSet {
	var ss sentenceSet
	ws := rawWordSpans(s)
	start := 0
	wi := 0
	flush := func(end int) {
		asks := false
		for wi < len(ws) && ws[wi].start < end {
			for _, seq := range c.ask {
				if seqAt(ws, wi, seq) {
					asks = true
				}
			}
			wi++
		}
		ss.ends = append(ss.ends, end)
		ss.ask = append(ss.ask, asks)
		start = end
	}
	for i, r := range s {
		if r == '.' || r == '?' || r == '!' || r == ';' || r == '\n' {
			// "St. Antonius", "3.5": a full stop followed by a letter or a
			// digit does not end the sentence.
			if r == '.' && i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '\n' {
				continue
			}
			if i+1 > start {
				flush(i + 1)
			}
		}
	}
	if start < len(s) {
		flush(len(s))
	}
	asking, plain := false, false
	for _, a := range ss.ask {
		asking = asking || a
		plain = plain || !a
	}
	ss.any = asking && plain
	return ss
}

// weight is how much a match at byte offset off counts.
func (ss sentenceSet) weight(off int) float64 {
	if !ss.any {
		return 1
	}
	i := sort.SearchInts(ss.ends, off+1)
	if i < len(ss.ask) && !ss.ask[i] {
		return reasonFactor
	}
	return 1
}
