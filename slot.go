package wijkhelpt

import (
	"math/bits"
	"strings"
	"sync"
	"time"
	"unicode"
)

// A week has 21 slots: seven days times three parts of the day (spec §6).
// A slot is written "di-ochtend".
const (
	SlotCount = 21
)

// Days are the Dutch day abbreviations, Monday first.
var dayNames = [7]string{"ma", "di", "wo", "do", "vr", "za", "zo"}

// Parts are the parts of the day: ochtend 08-12, middag 12-17, avond 17-21.
var partNames = [3]string{"ochtend", "middag", "avond"}

var dayNamesEN = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
var partNamesEN = [3]string{"morning", "afternoon", "evening"}
var dayNamesLongNL = [7]string{"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"}
var dayNamesLongEN = [7]string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// Slot is one part of one weekday, 0 (ma-ochtend) to 20 (zo-avond).
type Slot uint8

// SlotOf returns the slot for a day (0 = Monday) and part (0 = morning).
func SlotOf(day, part int) Slot { return Slot(day*3 + part) }

// Day returns 0 for Monday to 6 for Sunday.
func (s Slot) Day() int { return int(s) / 3 }

// Part returns 0 for morning, 1 for afternoon, 2 for evening.
func (s Slot) Part() int { return int(s) % 3 }

// String writes the slot as "di-ochtend".
func (s Slot) String() string {
	if s >= SlotCount {
		return "?"
	}
	return dayNames[s.Day()] + "-" + partNames[s.Part()]
}

// Label is the slot for people: "di-ochtend" in Dutch, "Tue morning" in English.
func (s Slot) Label(lang string) string {
	if s >= SlotCount {
		return "?"
	}
	if isEnglish(lang) {
		return dayNamesEN[s.Day()] + " " + partNamesEN[s.Part()]
	}
	return s.String()
}

// ParseSlot reads "di-ochtend". Case and spaces are ignored, and a space or
// underscore works as well as the dash: "DI ochtend", "di_ochtend" and
// "di - ochtend" all read as di-ochtend.
func ParseSlot(s string) (Slot, bool) {
	s = strings.TrimSpace(strings.ToLower(s))
	words := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || unicode.IsSpace(r) })
	// A dash before the day or after the part ("-di-ochtend") is not a slot.
	if len(words) != 2 || !strings.HasPrefix(s, words[0]) || !strings.HasSuffix(s, words[1]) {
		return 0, false
	}
	day, part := words[0], words[1]
	d, p := -1, -1
	for i, n := range dayNames {
		if n == day {
			d = i
		}
	}
	for i, n := range partNames {
		if n == part {
			p = i
		}
	}
	if d < 0 || p < 0 {
		return 0, false
	}
	return SlotOf(d, p), true
}

// ParsePart reads "ochtend", "middag" or "avond" and returns 0, 1 or 2.
func ParsePart(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for i, n := range partNames {
		if n == s {
			return i, true
		}
	}
	return 0, false
}

// SlotSet is a set of slots as a bit mask; the empty set means flexible.
type SlotSet uint32

// Has reports whether s is in the set.
func (set SlotSet) Has(s Slot) bool { return set&(1<<s) != 0 }

// Add returns the set with s added.
func (set SlotSet) Add(s Slot) SlotSet { return set | 1<<s }

// Len is the number of slots in the set.
func (set SlotSet) Len() int { return bits.OnesCount32(uint32(set)) }

// Slots lists the set in week order.
func (set SlotSet) Slots() []Slot {
	var out []Slot
	for s := Slot(0); s < SlotCount; s++ {
		if set.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

// Strings lists the set as "di-ochtend" strings in week order.
func (set SlotSet) Strings() []string {
	out := []string{}
	for _, s := range set.Slots() {
		out = append(out, s.String())
	}
	return out
}

// ParseSlots reads a list of slot names. It returns the set and the names it
// could not read.
func ParseSlots(names []string) (SlotSet, []string) {
	var set SlotSet
	var bad []string
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			continue
		}
		s, ok := ParseSlot(n)
		if !ok {
			bad = append(bad, n)
			continue
		}
		set = set.Add(s)
	}
	return set, bad
}

// MustSlots parses names that are known to be valid, such as stored ones,
// ignoring any that are not.
func MustSlots(names []string) SlotSet {
	set, _ := ParseSlots(names)
	return set
}

// Weekday converts a time.Weekday to our Monday-first day number.
func Weekday(t time.Time) int { return (int(t.Weekday()) + 6) % 7 }

// DaySlots returns the slots of one date: the given part only, or all three
// parts when part is not 0, 1 or 2 (such as -1).
func DaySlots(date time.Time, part int) SlotSet {
	d := Weekday(date)
	if part >= 0 && part < len(partNames) {
		return SlotSet(0).Add(SlotOf(d, part))
	}
	return SlotSet(0).Add(SlotOf(d, 0)).Add(SlotOf(d, 1)).Add(SlotOf(d, 2))
}

// DateLayout is how dates are written everywhere: 2026-11-23.
const DateLayout = "2006-01-02"

// Amsterdam is the desk's time zone. It falls back to a fixed CET offset
// when the system has no zone database, so that days are still right in
// winter.
func Amsterdam() *time.Location { return amsterdam() }

// amsterdam loads the zone once: time.LoadLocation reads and parses the zone
// file on every call (some 20 µs), and ParseDate runs in matching's inner
// loops. The value never changes after the first call, so this is a cached
// constant rather than mutable state; it also makes every Amsterdam time
// share one *Location, so == on times from different calls behaves.
var amsterdam = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return loc
	}
	return time.FixedZone("CET", 3600)
})

// ParseDate reads a YYYY-MM-DD date in the desk's time zone.
func ParseDate(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(DateLayout, strings.TrimSpace(s), Amsterdam())
	return t, err == nil
}

// DayLabel writes a date for people: "dinsdag 24 november" / "Tuesday 24 November".
func DayLabel(date time.Time, lang string) string {
	if isEnglish(lang) {
		return dayNamesLongEN[Weekday(date)] + " " + date.Format("2 January")
	}
	months := [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli",
		"augustus", "september", "oktober", "november", "december"}
	return dayNamesLongNL[Weekday(date)] + " " + itoa(date.Day()) + " " + months[date.Month()-1]
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
