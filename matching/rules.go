package matching

import (
	"math"
	"math/bits"
	"slices"

	"wijkhelpt"
)

// rad converts degrees to radians, exactly as wijkhelpt.DistanceKm does.
const rad = math.Pi / 180

// verdict is the outcome of the hard constraints for one offer: pass, or the
// first constraint (in spec order) the offer breaks.
type verdict uint8

// The verdicts, in the order of spec §7 (and of the Excluded fields).
const (
	pass         verdict = iota
	failInactive         // 1: paused, suspended, or opted out of SMS
	failDistance         // 2: d > dmax
	failCategory         // 3: no shared category
	failSlots            // 4: no shared slot while both have slots
	failCapacity         // 5: open tasks >= capacity
	failVOG              // 6: only VOG categories shared, without a valid VOG
	failExcluded         // 7: declined, timed out, blocked or already asked
	failAway             // 8: away on the day
)

// query is a request as the rules need it, prepared once per call.
type query struct {
	w        Weights
	vogMask  uint32 // categories that need a VOG
	located  bool
	lat, lon float64
	cosLat   float64
	maxKm    float64 // the request's own maximum distance; 0 = none
	cats     uint32
	ncats    int
	slots    wijkhelpt.SlotSet
	nslots   int
	day      int32 // the day of help, YYYYMMDD; 0 = unknown
	excluded numSet
	helped   numSet
}

// outcome is what evaluate found for one offer.
type outcome struct {
	verdict verdict
	d       float64 // km; +Inf when either side has no location
	dmax    float64
	parts   Breakdown
	score   float64
}

// numSet is a small sorted set of offer numbers.
type numSet []int32

func (s numSet) has(n int32) bool {
	if len(s) <= 8 {
		for _, v := range s {
			if v == n {
				return true
			}
		}
		return false
	}
	_, ok := slices.BinarySearch(s, n)
	return ok
}

func (s numSet) normalize() numSet {
	slices.Sort(s)
	return slices.Compact(s)
}

// haversine is wijkhelpt.DistanceKm with both cosines computed beforehand;
// the operations are the same, in the same order. a is the request, b the
// offer.
func haversine(aLat, aLon, aCos, bLat, bLon, bCos float64) float64 {
	dLat := (bLat - aLat) * rad
	dLon := (bLon - aLon) * rad
	s1 := math.Sin(dLat / 2)
	s2 := math.Sin(dLon / 2)
	h := s1*s1 + aCos*bCos*s2*s2
	return 2 * wijkhelpt.EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// vogValid reports whether the offer's VOG counts on day; it agrees with
// wijkhelpt.Offer.VOGValid for valid dates.
func (f *fact) vogValid(day int32) bool { return f.vogFrom <= day && day < f.vogUntil }

// counted is the shared categories that count: a VOG category only with a
// valid VOG (constraint 6).
func (q *query) counted(f *fact) uint32 {
	shared := q.cats & f.cats
	if !f.vogValid(q.day) {
		shared &^= q.vogMask
	}
	return shared
}

// evaluate applies the hard constraints in spec order and, when the offer
// passes, computes its score. It is the one rule book: Suggest, Exhaustive
// and Eligible all call it. It is kept out of line so that every caller runs
// the same machine code, and so gets the same floating-point score to the
// last bit.
//
//go:noinline
func evaluate(q *query, f *fact, info []offerInfo) outcome {
	var o outcome
	if f.flags&flagUnavailable != 0 {
		o.verdict = failInactive
		return o
	}
	if !q.located || f.flags&flagNoPoint != 0 {
		o.verdict, o.d = failDistance, math.Inf(1)
		return o
	}
	o.d = haversine(q.lat, q.lon, q.cosLat, f.lat, f.lon, f.cosLat)
	o.dmax = f.maxKm
	if q.maxKm > 0 && q.maxKm < o.dmax {
		o.dmax = q.maxKm
	}
	if !(o.d <= o.dmax) {
		o.verdict = failDistance
		return o
	}
	if q.cats&f.cats == 0 {
		o.verdict = failCategory
		return o
	}
	if q.slots != 0 && f.slots != 0 && q.slots&f.slots == 0 {
		o.verdict = failSlots
		return o
	}
	if f.open >= f.capacity {
		o.verdict = failCapacity
		return o
	}
	counted := q.counted(f)
	if counted == 0 {
		o.verdict = failVOG
		return o
	}
	if len(q.excluded) > 0 && q.excluded.has(f.num) {
		o.verdict = failExcluded
		return o
	}
	if f.flags&flagAway != 0 && awayOn(info[f.num].away, q.day) {
		o.verdict = failAway
		return o
	}
	o.parts.Distance = 1 - o.d/o.dmax
	o.parts.Skill = float64(bits.OnesCount32(counted)) / float64(q.ncats)
	o.parts.Availability = 1
	if q.slots != 0 {
		o.parts.Availability = float64((q.slots & f.slots).Len()) / float64(q.nslots)
	}
	o.parts.Load = 1 - float64(f.open)/float64(f.capacity)
	if len(q.helped) > 0 && q.helped.has(f.num) {
		o.parts.Continuity = 1
	}
	o.score = q.w.Distance*o.parts.Distance + q.w.Skill*o.parts.Skill +
		q.w.Availability*o.parts.Availability + q.w.Load*o.parts.Load +
		q.w.Continuity*o.parts.Continuity
	return o
}

func awayOn(away []span, day int32) bool {
	for _, a := range away {
		if a.from <= day && day <= a.to {
			return true
		}
	}
	return false
}

// tally counts a verdict under its constraint.
func (x *Excluded) tally(v verdict) {
	switch v {
	case failInactive:
		x.Inactive++
	case failDistance:
		x.Distance++
	case failCategory:
		x.Category++
	case failSlots:
		x.Slots++
	case failCapacity:
		x.Capacity++
	case failVOG:
		x.VOG++
	case failExcluded:
		x.Excluded++
	case failAway:
		x.Away++
	}
}
