package wijkhelpt_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

func TestSlotRoundTrip(t *testing.T) {
	days := []string{"ma", "di", "wo", "do", "vr", "za", "zo"}
	parts := []string{"ochtend", "middag", "avond"}
	var all []string
	for d, day := range days {
		for p, part := range parts {
			name := day + "-" + part
			all = append(all, name)
			s := wijkhelpt.SlotOf(d, p)
			if got := s.String(); got != name {
				t.Errorf("SlotOf(%d, %d).String() = %q, want %q", d, p, got, name)
			}
			if s.Day() != d || s.Part() != p {
				t.Errorf("%s: Day, Part = %d, %d, want %d, %d", name, s.Day(), s.Part(), d, p)
			}
			got, ok := wijkhelpt.ParseSlot(name)
			if !ok || got != s {
				t.Errorf("ParseSlot(%q) = %v, %v, want %v, true", name, got, ok, s)
			}
		}
	}
	if len(all) != wijkhelpt.SlotCount {
		t.Fatalf("got %d slots, want %d", len(all), wijkhelpt.SlotCount)
	}
	set, bad := wijkhelpt.ParseSlots(all)
	if len(bad) > 0 {
		t.Errorf("ParseSlots rejected %v", bad)
	}
	if set.Len() != wijkhelpt.SlotCount {
		t.Errorf("Len = %d, want %d", set.Len(), wijkhelpt.SlotCount)
	}
	if diff := cmp.Diff(all, set.Strings()); diff != "" {
		t.Errorf("Strings (-want +got):\n%s", diff)
	}
}

func TestParseSlot(t *testing.T) {
	di := wijkhelpt.SlotOf(1, 0)
	zoAvond := wijkhelpt.SlotOf(6, 2)
	tests := []struct {
		in     string
		want   wijkhelpt.Slot
		wantOK bool
	}{
		{"di-ochtend", di, true},
		{"DI-OCHTEND", di, true},
		{"Di-Ochtend", di, true},
		{"  di-ochtend\t", di, true},
		{"di ochtend", di, true},
		{"di_ochtend", di, true},
		{"di  ochtend", di, true},
		{"di - ochtend", di, true},
		{"zo-avond", zoAvond, true},
		{"", 0, false},
		{"-", 0, false},
		{"di", 0, false},
		{"ochtend", 0, false},
		{"di-", 0, false},
		{"-ochtend", 0, false},
		{"dinsdag-ochtend", 0, false},
		{"di-morgen", 0, false},
		{"di-ochtend-middag", 0, false},
		{"di-ochtend-", 0, false},
		{"ochtend-di", 0, false},
		{"tue-morning", 0, false},
		{"di-ochtendx", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := wijkhelpt.ParseSlot(tt.in)
			if ok != tt.wantOK || (ok && got != tt.want) {
				t.Errorf("ParseSlot(%q) = %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParseSlots(t *testing.T) {
	set, bad := wijkhelpt.ParseSlots([]string{"zo-avond", " ", "", "ma-ochtend", "ma-ochtend", "maandag", "di-nacht"})
	if diff := cmp.Diff([]string{"ma-ochtend", "zo-avond"}, set.Strings()); diff != "" {
		t.Errorf("set (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"maandag", "di-nacht"}, bad); diff != "" {
		t.Errorf("bad (-want +got):\n%s", diff)
	}
	if got := wijkhelpt.MustSlots([]string{"nonsense", "wo-middag"}).Strings(); !cmp.Equal(got, []string{"wo-middag"}) {
		t.Errorf("MustSlots = %v, want [wo-middag]", got)
	}
	if got := wijkhelpt.SlotSet(0).Strings(); got == nil || len(got) != 0 {
		t.Errorf("empty set Strings() = %#v, want an empty non-nil slice", got)
	}
}

func TestSlotLabel(t *testing.T) {
	tests := []struct {
		slot wijkhelpt.Slot
		lang string
		want string
	}{
		{wijkhelpt.SlotOf(1, 0), "nl", "di-ochtend"},
		{wijkhelpt.SlotOf(1, 0), "en", "Tue morning"},
		{wijkhelpt.SlotOf(1, 0), "EN", "Tue morning"},
		{wijkhelpt.SlotOf(6, 2), "en-GB", "Sun evening"},
		{wijkhelpt.SlotOf(3, 1), "", "do-middag"},
		{wijkhelpt.Slot(21), "nl", "?"},
		{wijkhelpt.Slot(200), "en", "?"},
	}
	for _, tt := range tests {
		t.Run(tt.want+"/"+tt.lang, func(t *testing.T) {
			if got := tt.slot.Label(tt.lang); got != tt.want {
				t.Errorf("Label(%q) = %q, want %q", tt.lang, got, tt.want)
			}
		})
	}
}

func TestParsePart(t *testing.T) {
	tests := []struct {
		in     string
		want   int
		wantOK bool
	}{
		{"ochtend", 0, true}, {" Middag ", 1, true}, {"AVOND", 2, true},
		{"", 0, false}, {"nacht", 0, false}, {"morning", 0, false},
	}
	for _, tt := range tests {
		got, ok := wijkhelpt.ParsePart(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParsePart(%q) = %d, %v, want %d, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestWeekdayMondayFirst(t *testing.T) {
	// 2026-11-23 is a Monday.
	for i, want := range []int{0, 1, 2, 3, 4, 5, 6, 0} {
		day := at(t, 2026, 11, 23+i, 12, 0)
		if got := wijkhelpt.Weekday(day); got != want {
			t.Errorf("Weekday(%s) = %d, want %d", day.Format("Mon 2006-01-02"), got, want)
		}
	}
}

func TestDaySlots(t *testing.T) {
	tue := at(t, 2026, 11, 24, 0, 0)
	tests := []struct {
		name string
		date time.Time
		part int
		want []string
	}{
		{"whole day", tue, -1, []string{"di-ochtend", "di-middag", "di-avond"}},
		{"morning", tue, 0, []string{"di-ochtend"}},
		{"evening", tue, 2, []string{"di-avond"}},
		{"sunday", at(t, 2026, 11, 29, 0, 0), 1, []string{"zo-middag"}},
		{"monday", at(t, 2026, 11, 30, 0, 0), -1, []string{"ma-ochtend", "ma-middag", "ma-avond"}},
		{"part out of range is the whole day", tue, 3, []string{"di-ochtend", "di-middag", "di-avond"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, wijkhelpt.DaySlots(tt.date, tt.part).Strings()); diff != "" {
				t.Errorf("DaySlots (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in     string
		want   time.Time
		wantOK bool
	}{
		{"2026-11-24", at(t, 2026, 11, 24, 0, 0), true},
		{" 2026-11-24 ", at(t, 2026, 11, 24, 0, 0), true},
		{"2026-07-01", at(t, 2026, 7, 1, 0, 0), true},
		{"2028-02-29", at(t, 2028, 2, 29, 0, 0), true},
		{"2026-02-29", time.Time{}, false},
		{"24-11-2026", time.Time{}, false},
		{"2026-11-24T10:00:00Z", time.Time{}, false},
		{"2026-13-01", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := wijkhelpt.ParseDate(tt.in)
			if ok != tt.wantOK {
				t.Fatalf("ParseDate(%q) ok = %v, want %v", tt.in, ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseDate(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if got.Location().String() != "Europe/Amsterdam" {
				t.Errorf("location = %s, want Europe/Amsterdam", got.Location())
			}
		})
	}
	// Midnight in Amsterdam is 23:00 UTC the day before in winter, 22:00 in summer.
	winter, _ := wijkhelpt.ParseDate("2026-11-24")
	summer, _ := wijkhelpt.ParseDate("2026-07-01")
	if got, want := winter.UTC(), time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("winter midnight in UTC = %s, want %s", got, want)
	}
	if got, want := summer.UTC(), time.Date(2026, 6, 30, 22, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("summer midnight in UTC = %s, want %s", got, want)
	}
}

func TestDayLabel(t *testing.T) {
	tests := []struct {
		date string
		lang string
		want string
	}{
		{"2026-11-24", "nl", "dinsdag 24 november"},
		{"2026-11-24", "", "dinsdag 24 november"},
		{"2026-11-24", "en", "Tuesday 24 November"},
		{"2026-11-24", "EN", "Tuesday 24 November"},
		{"2026-11-24", "en-GB", "Tuesday 24 November"},
		{"2027-01-03", "nl", "zondag 3 januari"},
		{"2027-01-04", "en", "Monday 4 January"},
		{"2026-05-01", "nl", "vrijdag 1 mei"},
	}
	for _, tt := range tests {
		t.Run(tt.date+"/"+tt.lang, func(t *testing.T) {
			d, ok := wijkhelpt.ParseDate(tt.date)
			if !ok {
				t.Fatalf("ParseDate(%q) failed", tt.date)
			}
			if got := wijkhelpt.DayLabel(d, tt.lang); got != tt.want {
				t.Errorf("DayLabel = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSlotSetHasAddLen(t *testing.T) {
	var set wijkhelpt.SlotSet
	for _, s := range []wijkhelpt.Slot{0, 20, 7, 7} {
		set = set.Add(s)
	}
	if got, want := set.Len(), 3; got != want {
		t.Errorf("Len = %d, want %d", got, want)
	}
	for s := wijkhelpt.Slot(0); s < wijkhelpt.SlotCount; s++ {
		want := s == 0 || s == 20 || s == 7
		if got := set.Has(s); got != want {
			t.Errorf("Has(%s) = %v, want %v", s, got, want)
		}
	}
	if diff := cmp.Diff([]wijkhelpt.Slot{0, 7, 20}, set.Slots()); diff != "" {
		t.Errorf("Slots (-want +got):\n%s", diff)
	}
}
