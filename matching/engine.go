package matching

import (
	"context"
	"io"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"wijkhelpt"
)

// DefaultLimit is how many suggestions Suggest returns when k <= 0.
const DefaultLimit = 10

// Suggestion is one ranked offer for a request, with why it ranks there.
type Suggestion struct {
	OfferID string `json:"offerId"`
	// Name is the volunteer's first name (an organisation's name for an
	// organisation's offer): all the mediator needs before choosing.
	Name       string    `json:"name"`
	Score      float64   `json:"score"`
	DistanceKm float64   `json:"distanceKm"`
	Breakdown  Breakdown `json:"breakdown"`
	// Reasons are short plain-language phrases, such as "1,2 km",
	// "boodschappen", "di-ochtend vrij", "0 van 2 taken".
	Reasons []wijkhelpt.Text `json:"reasons"`
	// Area is the volunteer's PC4 area, never the address.
	Area string `json:"area"`
}

// Breakdown holds the five parts of the score, each in [0, 1], before
// weighting: score = sum of weight x part.
type Breakdown struct {
	Distance     float64 `json:"distance"`
	Skill        float64 `json:"skill"`
	Availability float64 `json:"availability"`
	Load         float64 `json:"load"`
	Continuity   float64 `json:"continuity"`
}

// Excluded counts, per hard constraint, the offers it removed. Each offer
// is counted once, under the first constraint it breaks in spec order.
type Excluded struct {
	Inactive int `json:"inactive"`
	Distance int `json:"distance"`
	Category int `json:"category"`
	Slots    int `json:"slots"`
	Capacity int `json:"capacity"`
	VOG      int `json:"vog"`
	Excluded int `json:"excluded"`
	Away     int `json:"away"`
}

// Result is the answer to a request for suggestions.
type Result struct {
	Suggestions []Suggestion `json:"suggestions"`
	Excluded    Excluded     `json:"excluded"`
	why         whyContext
}

// whyContext is what WhyNone needs to know of the request.
type whyContext struct {
	total   int // offers known to the engine
	located bool
	cats    []string // the request's known categories, in its order
	maxKm   float64
}

// Option changes how an Engine works.
type Option func(*Engine)

// WithLogger sets where Follow reports read errors. The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(e *Engine) {
		if l != nil {
			e.log = l
		}
	}
}

// Engine ranks offers for requests. It keeps compact facts of every offer
// in a spatial index and the open tasks and help history derived from the
// requests. It is safe for concurrent use: any number of Suggest calls run
// together; Upsert, ApplyRequest and SetOptedOut wait for them.
type Engine struct {
	w        Weights
	log      *slog.Logger
	cands    Candidates // nil: the grid
	catIndex map[string]int
	catCodes []string
	vogMask  uint32
	ready    atomic.Bool

	mu       sync.RWMutex
	facts    []fact      // by offer number: the master copy, scanned by Exhaustive
	info     []offerInfo // by offer number
	pos      []position  // by offer number: where the grid copy is
	ids      map[string]int32
	inactive int // offers that break constraint 1
	classes  []*class
	optedOut map[string]bool             // phone -> sent STOP
	open     map[string]int32            // offer ID -> matches proposed or accepted
	requests map[string]requestState     // request ID -> what it contributes
	helped   map[string]map[string]int32 // resident key -> offer ID -> accepted/completed matches
}

// requestState is what one request contributes to loads and history, so
// that a new version of it can replace the old one.
type requestState struct {
	rev      int64
	resident string
	occupies []string // offer IDs, one per proposed or accepted match
	helped   []string // offer IDs, one per accepted or completed match
}

// NewEngine returns an empty engine that scores with w (DefaultWeights when
// w is the zero value).
func NewEngine(w Weights, opts ...Option) *Engine {
	if w == (Weights{}) {
		w = DefaultWeights()
	}
	e := &Engine{
		w:        w,
		log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		catIndex: map[string]int{},
		ids:      map[string]int32{},
		classes:  newClasses(),
		optedOut: map[string]bool{},
		open:     map[string]int32{},
		requests: map[string]requestState{},
		helped:   map[string]map[string]int32{},
	}
	for i, c := range wijkhelpt.Categories() {
		if i >= 32 {
			panic("matching: more than 32 categories do not fit the category mask")
		}
		e.catIndex[c.Code] = i
		e.catCodes = append(e.catCodes, c.Code)
		if c.NeedsVOG {
			e.vogMask |= 1 << i
		}
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Weights returns the weights the engine scores with.
func (e *Engine) Weights() Weights { return e.w }

// Len is the number of offers the engine knows, in any state.
func (e *Engine) Len() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.facts)
}

// Upsert adds an offer or replaces the one with the same ID. Paused and
// suspended offers are kept too, to be counted as inactive. A version older
// than the one held (by Revision, when both have one) is ignored.
func (e *Engine) Upsert(o *wijkhelpt.Offer) {
	if o == nil || o.ID == "" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.upsert(o)
}

func (e *Engine) upsert(o *wijkhelpt.Offer) {
	num, known := e.ids[o.ID]
	if known && o.Revision > 0 && e.info[num].rev > o.Revision {
		return
	}
	f, info := e.factOf(o, e.open[o.ID], e.optedOut[o.Phone])
	if !known {
		if len(e.facts) >= math.MaxInt32 {
			panic("matching: too many offers")
		}
		num = int32(len(e.facts))
		e.facts = append(e.facts, fact{})
		e.info = append(e.info, offerInfo{})
		e.pos = append(e.pos, position{class: -1})
		e.ids[o.ID] = num
	} else if e.facts[num].flags&flagUnavailable != 0 {
		e.inactive--
	}
	if f.flags&flagUnavailable != 0 {
		e.inactive++
	}
	f.num = num
	e.facts[num] = f
	e.info[num] = info
	e.place(num)
}

// SetOptedOut records that a phone number sent STOP (true) or START
// (false). Offers with that number are no longer suggested unless their
// owner answers in the portal (constraint 1).
func (e *Engine) SetOptedOut(phone string, optedOut bool) {
	if phone == "" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if optedOut {
		e.optedOut[phone] = true
	} else {
		delete(e.optedOut, phone)
	}
	for i := range e.info {
		if e.info[i].phone != phone {
			continue
		}
		num := int32(i)
		before := e.facts[num].flags&flagUnavailable != 0
		e.patch(num, func(f *fact) {
			f.flags &^= flagOptedOut
			if optedOut {
				f.flags |= flagOptedOut
			}
			f.flags = withUnavailable(f.flags)
		})
		after := e.facts[num].flags&flagUnavailable != 0
		switch {
		case before && !after:
			e.inactive--
		case !before && after:
			e.inactive++
		}
	}
}

// ApplyRequest takes in a request's matches: which offers it occupies
// (matches proposed or accepted count against capacity) and which offers
// helped its resident (accepted or completed: continuity). Applying a new
// version of a request replaces what the old one contributed; an older
// version than the one held is ignored.
func (e *Engine) ApplyRequest(r *wijkhelpt.Request) {
	if r == nil || r.ID == "" {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.applyRequest(r)
}

func (e *Engine) applyRequest(r *wijkhelpt.Request) {
	st := requestState{rev: r.Revision, resident: residentKey(r)}
	for _, m := range r.Matches {
		if m.Status.Occupies() {
			st.occupies = append(st.occupies, m.OfferID)
		}
		if m.Status == wijkhelpt.MatchAccepted || m.Status == wijkhelpt.MatchCompleted {
			st.helped = append(st.helped, m.OfferID)
		}
	}
	old, had := e.requests[r.ID]
	if had && r.Revision > 0 && old.rev > r.Revision {
		return
	}
	if had {
		e.contribute(old, -1)
	}
	e.contribute(st, +1)
	e.requests[r.ID] = st
}

func (e *Engine) contribute(st requestState, sign int32) {
	for _, id := range st.occupies {
		n := e.open[id] + sign
		if n == 0 {
			delete(e.open, id)
		} else {
			e.open[id] = n
		}
		if num, ok := e.ids[id]; ok {
			e.patch(num, func(f *fact) { f.open = n })
		}
	}
	if st.resident == "" {
		return
	}
	for _, id := range st.helped {
		m := e.helped[st.resident]
		if m == nil {
			m = map[string]int32{}
			e.helped[st.resident] = m
		}
		m[id] += sign
		if m[id] == 0 {
			delete(m, id)
		}
		if len(m) == 0 {
			delete(e.helped, st.resident)
		}
	}
}

// residentKey identifies the household for continuity, or "" when the
// request has no postcode to tell households apart.
func residentKey(r *wijkhelpt.Request) string {
	if r.Location.Postcode == "" {
		return ""
	}
	return r.ResidentKey()
}

// query prepares r for evaluate. The caller holds e.mu.
func (e *Engine) query(r *wijkhelpt.Request, today string) query {
	q := query{w: e.w, vogMask: e.vogMask}
	if p := r.Location.Point; p.Valid() {
		q.located = true
		q.lat, q.lon = p.Lat, p.Lon
		q.cosLat = math.Cos(p.Lat * rad)
	}
	if r.MaxDistanceKm > 0 {
		q.maxKm = r.MaxDistanceKm
	}
	for _, c := range r.Categories {
		if i, ok := e.catIndex[c]; ok {
			q.cats |= 1 << i
		}
	}
	for m := q.cats; m != 0; m &= m - 1 {
		q.ncats++
	}
	q.slots = r.SlotSet()
	q.nslots = q.slots.Len()
	day, ok := dayKey(r.Date)
	if r.Date == "" || !ok {
		day, _ = dayKey(today)
	}
	q.day = day
	for _, id := range r.Excluded {
		if num, ok := e.ids[id]; ok {
			q.excluded = append(q.excluded, num)
		}
	}
	for _, m := range r.Matches {
		num, ok := e.ids[m.OfferID]
		if !ok {
			continue
		}
		if m.Status.Occupies() {
			q.excluded = append(q.excluded, num)
		}
		if m.Status == wijkhelpt.MatchAccepted || m.Status == wijkhelpt.MatchCompleted {
			q.helped = append(q.helped, num)
		}
	}
	if key := residentKey(r); key != "" {
		for id := range e.helped[key] {
			if num, ok := e.ids[id]; ok {
				q.helped = append(q.helped, num)
			}
		}
	}
	q.excluded = q.excluded.normalize()
	q.helped = q.helped.normalize()
	return q
}

func (e *Engine) newResult(r *wijkhelpt.Request, q *query) Result {
	res := Result{Suggestions: []Suggestion{}}
	res.why = whyContext{total: len(e.facts), located: q.located, maxKm: q.maxKm}
	seen := uint32(0)
	for _, c := range r.Categories {
		if i, ok := e.catIndex[c]; ok && seen&(1<<i) == 0 {
			seen |= 1 << i
			res.why.cats = append(res.why.cats, c)
		}
	}
	return res
}

// Suggest returns the k best offers for r (DefaultLimit when k <= 0) and,
// per hard constraint, how many offers it removed. today (YYYY-MM-DD) is
// the day of help for requests without a date. The answer equals that of
// Exhaustive; only the way there differs: through the engine's grid, or
// through the source of WithCandidates. When that source fails, Suggest
// logs it and answers through the grid.
func (e *Engine) Suggest(r *wijkhelpt.Request, k int, today string) Result {
	if e.cands != nil {
		res, err := e.suggestFrom(context.Background(), e.cands, r, k, today)
		if err == nil {
			return res
		}
		e.log.Warn("matching candidates failed, using the grid", "error", err.Error())
	}
	return e.suggestGrid(r, k, today)
}

// suggestGrid is Suggest through the engine's own grid.
func (e *Engine) suggestGrid(r *wijkhelpt.Request, k int, today string) Result {
	if k <= 0 {
		k = DefaultLimit
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	q := e.query(r, today)
	res := e.newResult(r, &q)
	top := topK{k: k, info: e.info}
	within := 0 // active offers within reach: they pass constraints 1 and 2
	if q.located {
		var cells []*cell
		for _, c := range e.classes {
			if c.count == 0 {
				continue
			}
			radius := c.maxKm
			if q.maxKm > 0 && q.maxKm < radius {
				radius = q.maxKm
			}
			b := boundsFor(q.lat, q.lon, radius)
			cells = c.within(b, cells[:0])
			for _, cl := range cells {
				for i := range cl.facts {
					f := &cl.facts[i]
					if b.ok && b.outside(f) {
						continue
					}
					o := evaluate(&q, f, e.info)
					if o.verdict == failInactive || o.verdict == failDistance {
						continue
					}
					within++
					if o.verdict == pass {
						top.offer(ranked{num: f.num, o: o})
						continue
					}
					res.Excluded.tally(o.verdict)
				}
			}
		}
	}
	// Offers outside the visited cells, and the inactive ones the grid does
	// not hold, are counted as a whole.
	res.Excluded.Inactive = e.inactive
	res.Excluded.Distance = len(e.facts) - e.inactive - within
	top.sort()
	e.fill(&res, &q, top.items)
	return res
}

// Exhaustive is the reference for Suggest: it evaluates every offer the
// engine knows, one by one, and sorts all that pass.
func (e *Engine) Exhaustive(r *wijkhelpt.Request, k int, today string) Result {
	if k <= 0 {
		k = DefaultLimit
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	q := e.query(r, today)
	res := e.newResult(r, &q)
	var all []ranked
	for i := range e.facts {
		o := evaluate(&q, &e.facts[i], e.info)
		if o.verdict == pass {
			all = append(all, ranked{num: int32(i), o: o})
			continue
		}
		res.Excluded.tally(o.verdict)
	}
	slices.SortFunc(all, func(a, b ranked) int { return compare(&a, &b, e.info) })
	e.fill(&res, &q, all[:min(k, len(all))])
	return res
}

// fill turns ranked offers into suggestions. The caller holds e.mu.
func (e *Engine) fill(res *Result, q *query, items []ranked) {
	for _, it := range items {
		res.Suggestions = append(res.Suggestions, e.suggestion(q, it.num, it.o))
	}
}

func (e *Engine) suggestion(q *query, num int32, o outcome) Suggestion {
	info := &e.info[num]
	return Suggestion{
		OfferID:    info.id,
		Name:       info.name,
		Score:      o.score,
		DistanceKm: o.d,
		Breakdown:  o.parts,
		Reasons:    e.reasons(q, &e.facts[num], o),
		Area:       info.area,
	}
}

// Eligible checks one offer against the hard constraints for r, for the
// mediator's confirmation. It returns the offer as a suggestion, or a
// conflict error naming the broken constraint (not found when the engine
// does not know the offer).
func (e *Engine) Eligible(r *wijkhelpt.Request, offerID, today string) (Suggestion, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	num, ok := e.ids[offerID]
	if !ok {
		return Suggestion{}, wijkhelpt.NotFound(wijkhelpt.T("De vrijwilliger", "The volunteer"))
	}
	q := e.query(r, today)
	o := evaluate(&q, &e.facts[num], e.info)
	if o.verdict != pass {
		return Suggestion{}, e.refusal(&q, num, o)
	}
	return e.suggestion(&q, num, o), nil
}

// ranked is an offer that passed, with its evaluation.
type ranked struct {
	num int32
	o   outcome
}

// before is the order of suggestions: score descending, then distance
// ascending, then offer ID ascending.
func before(a, b *ranked, info []offerInfo) bool {
	if a.o.score != b.o.score {
		return a.o.score > b.o.score
	}
	if a.o.d != b.o.d {
		return a.o.d < b.o.d
	}
	return info[a.num].id < info[b.num].id
}

func compare(a, b *ranked, info []offerInfo) int {
	switch {
	case before(a, b, info):
		return -1
	case before(b, a, info):
		return 1
	}
	return 0
}

// topK keeps the k best offers seen so far in a heap with the worst of them
// on top.
type topK struct {
	k     int
	info  []offerInfo
	items []ranked
}

func (t *topK) offer(c ranked) {
	if len(t.items) < t.k {
		t.items = append(t.items, c)
		t.up(len(t.items) - 1)
		return
	}
	if !before(&c, &t.items[0], t.info) {
		return
	}
	t.items[0] = c
	t.down(0)
}

// worse reports whether item i ranks below item j: the heap's order.
func (t *topK) worse(i, j int) bool { return before(&t.items[j], &t.items[i], t.info) }

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.worse(i, p) {
			return
		}
		t.items[i], t.items[p] = t.items[p], t.items[i]
		i = p
	}
}

func (t *topK) down(i int) {
	n := len(t.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		w := l
		if r := l + 1; r < n && t.worse(r, l) {
			w = r
		}
		if !t.worse(w, i) {
			return
		}
		t.items[i], t.items[w] = t.items[w], t.items[i]
		i = w
	}
}

func (t *topK) sort() {
	slices.SortFunc(t.items, func(a, b ranked) int { return compare(&a, &b, t.info) })
}
