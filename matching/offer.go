package matching

import (
	"math"
	"strings"

	"wijkhelpt"
)

// fact is what the engine keeps of an offer for the hot loop: 64 bytes, no
// pointers, so that a cell of offers is one contiguous run of memory. The
// strings live in offerInfo, indexed by num.
type fact struct {
	lat, lon float64
	cosLat   float64 // cos(lat) as wijkhelpt.DistanceKm computes it
	maxKm    float64 // the offer's own maximum distance (> 0)
	num      int32   // index into Engine.facts and Engine.info
	open     int32   // open tasks: matches proposed or accepted
	capacity int32
	slots    wijkhelpt.SlotSet
	cats     uint32 // bit i: wijkhelpt.Categories()[i]
	vogFrom  int32  // the VOG counts on days vogFrom <= day < vogUntil (YYYYMMDD); 0, 0 = none
	vogUntil int32
	flags    uint8
}

// Flags of a fact.
const (
	flagActive      uint8 = 1 << iota // the volunteer has not paused
	flagSuspended                     // suspended by the desk
	flagOptedOut                      // the phone number sent STOP
	flagPortal                        // answers in the portal, so STOP does not matter
	flagNoPoint                       // no valid location: never within reach
	flagAway                          // has periods away; check offerInfo.away
	flagUnavailable                   // breaks constraint 1; derived from the flags above
)

// unavailable is constraint 1: active, not suspended, and reachable.
func unavailable(flags uint8) bool {
	return flags&flagActive == 0 || flags&flagSuspended != 0 ||
		(flags&flagOptedOut != 0 && flags&flagPortal == 0)
}

// withUnavailable returns flags with flagUnavailable set from the others.
func withUnavailable(flags uint8) uint8 {
	flags &^= flagUnavailable
	if unavailable(flags) {
		flags |= flagUnavailable
	}
	return flags
}

// span is a period away as YYYYMMDD numbers, both ends included.
type span struct{ from, to int32 }

// offerInfo is the cold part of an offer: what a suggestion shows, and what
// only the few offers that pass the cheap constraints need.
type offerInfo struct {
	id    string
	name  string // first name, or the organisation's name
	area  string // PC4 area, never the address
	phone string // for SMS opt-out
	away  []span
	rev   int64
}

// position is where the copy of a fact sits in the grid.
type position struct {
	class int8 // -1: not in the grid (unavailable or no location)
	key   uint64
	idx   int32
}

// dayKey turns YYYY-MM-DD into the number YYYYMMDD, which orders like the
// string does. ok is false for anything that is not a real date.
func dayKey(s string) (int32, bool) {
	t, ok := wijkhelpt.ParseDate(s)
	if !ok {
		return 0, false
	}
	return int32(t.Year()*10000 + int(t.Month())*100 + t.Day()), true
}

// factOf builds the fact and info of an offer. open and optedOut come from
// the engine's own records.
func (e *Engine) factOf(o *wijkhelpt.Offer, open int32, optedOut bool) (fact, offerInfo) {
	f := fact{open: open, capacity: int32(min(max(o.Capacity, math.MinInt32), math.MaxInt32))}
	p := o.Location.Point
	if p.Valid() {
		f.lat, f.lon = p.Lat, p.Lon
		f.cosLat = math.Cos(p.Lat * rad)
	} else {
		f.flags |= flagNoPoint
	}
	f.maxKm = o.MaxDistanceKm
	if !(f.maxKm > 0) {
		// Offers are validated to 0.1-100 km; an older document without a
		// distance gets the registration default rather than no reach at all.
		f.maxKm = wijkhelpt.DefaultMaxDistanceKm
	}
	for _, c := range o.Categories {
		if i, ok := e.catIndex[c]; ok {
			f.cats |= 1 << i
		}
	}
	f.slots = o.SlotSet()
	if from, ok := dayKey(o.VOGDate); ok && o.VOGDate != "" {
		t, _ := wijkhelpt.ParseDate(o.VOGDate)
		until := t.AddDate(wijkhelpt.VOGValidityYears, 0, 0)
		f.vogFrom = from
		f.vogUntil = int32(until.Year()*10000 + int(until.Month())*100 + until.Day())
	}
	if o.Active {
		f.flags |= flagActive
	}
	if o.Suspended {
		f.flags |= flagSuspended
	}
	if optedOut || o.OptedOut {
		f.flags |= flagOptedOut
	}
	if o.AnswersInPortal {
		f.flags |= flagPortal
	}
	info := offerInfo{id: o.ID, area: o.Location.Area(), phone: o.Phone, rev: o.Revision, name: o.FirstName()}
	if o.Kind == wijkhelpt.OfferOrganisation && strings.TrimSpace(o.Organisation) != "" {
		// An organisation is known by its name, which is no personal data.
		info.name = strings.TrimSpace(o.Organisation)
	}
	for _, a := range o.Away {
		from, ok1 := dayKey(a.From)
		to, ok2 := dayKey(a.To)
		if ok1 && ok2 && from <= to {
			info.away = append(info.away, span{from, to})
		}
	}
	if len(info.away) > 0 {
		f.flags |= flagAway
	}
	f.flags = withUnavailable(f.flags)
	return f, info
}
