package notify

import (
	"strings"
	"testing"
	"time"

	"wijkhelpt"
)

// worstParams are the longest values each parameter can realistically
// have: long names with accents, a long street, three categories, a day
// with a part, a long public URL.
func worstParams() map[string]string {
	return map[string]string{
		"name":          "Maximiliaan-Alexander Brinkhorst",
		"resident":      "Wilhelmina-Adriënne van der Heijden-Oudshoorn",
		"volunteer":     "Jan-Willem Christiaan",
		"category":      "Respijt voor mantelzorgers, Administratie en formulieren, Verhuizen en opruimen",
		"day":           "woensdag 30 september avond",
		"distance":      "12,3",
		"area":          "3947 Langbroek (gemeente Wijk bij Duurstede)",
		"address":       "Burgemeester van Royensingel 112-bis zw, 3961 AB Wijk bij Duurstede",
		"residentPhone": "+31612345678",
		"ref":           "WH-7K3F",
		"code":          "4821",
		"codes":         "4821, 5532, 6190",
		"link":          "https://wijkhelpt.wijkbijduurstede.nl/r/0123456789abcdef0123456789abcdef",
		"otp":           "904182",
		"minutes":       "10",
	}
}

func TestEveryTextFitsTwoSegmentsInGSM7(t *testing.T) {
	tx, err := loadTexts("0343-575 000", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	names := allTemplates()
	for _, lang := range languages() {
		for _, name := range names {
			t.Run(lang+"/"+name, func(t *testing.T) {
				got, err := tx.render(name, lang, wijkhelpt.ChannelSMS, worstParams())
				if err != nil {
					t.Fatal(err)
				}
				if !IsGSM7(got) {
					t.Errorf("text is not GSM-7: %q", got)
				}
				if n := Segments(got); n > 2 {
					t.Errorf("text takes %d segments (%d characters); want at most 2: %q", n, len(got), got)
				}
				if strings.Contains(got, "{{") || strings.Contains(got, "<no value>") {
					t.Errorf("text has an unfilled parameter: %q", got)
				}
			})
		}
	}
}

// TestLoginCodeFitsOneSegment: the login code is one plain GSM-7 SMS,
// which every phone shows whole, with the code and how long it holds.
func TestLoginCodeFitsOneSegment(t *testing.T) {
	tx, err := loadTexts("0343-575 000", 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range languages() {
		for _, name := range directTemplates() {
			got, err := tx.render(name, lang, wijkhelpt.ChannelSMS, worstParams())
			if err != nil {
				t.Fatal(err)
			}
			if !IsGSM7(got) || Segments(got) != 1 {
				t.Errorf("%s/%s: GSM-7 %v, %d segments; want GSM-7 in 1: %q", lang, name, IsGSM7(got), Segments(got), got)
			}
			if !strings.Contains(got, "904182") || !strings.Contains(got, "10 min") {
				t.Errorf("%s/%s lacks the code or its validity: %q", lang, name, got)
			}
			logged, err := tx.renderForLog(name, lang, wijkhelpt.ChannelSMS, worstParams())
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(logged, "904182") {
				t.Errorf("%s/%s: the log text shows the code: %q", lang, name, logged)
			}
		}
	}
}

func TestTextsWithNamesOutsideGSM7(t *testing.T) {
	tx, err := loadTexts("", 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		want    string // how the name appears in the text
		wantGSM bool   // false: either alphabet, as long as it fits
	}{
		{"diaeresis", "Zoë", "Zoe", true},
		{"cedilla and circumflex", "François-Zoë Benoît", "Francois-Zoe Benoit", true},
		{"ij ligature", "Ĳsbrand", "IJsbrand", true},
		{"GSM letters kept", "Müller Ñúñez", "Müller Ñuñez", true},
		{"another script", "Ελένη Παπαδοπούλου-Κωνσταντινίδου", "hoi, kun jij", false},
		{"emoji", "Anna 🌷", "Anna", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := worstParams()
			p["name"] = tt.in
			for _, name := range outboxTemplates() {
				got, err := tx.render(name, "nl", wijkhelpt.ChannelSMS, p)
				if err != nil {
					t.Fatal(err)
				}
				if tt.wantGSM && !IsGSM7(got) {
					t.Errorf("%s: GSM-7 %v; want %v: %q", name, IsGSM7(got), tt.wantGSM, got)
				}
				if n := Segments(got); n > 2 {
					t.Errorf("%s: %d segments; want at most 2: %q", name, n, got)
				}
				if tt.want != "" && strings.Contains(name, "volunteer_proposal") && !strings.Contains(got, tt.want) {
					t.Errorf("%s: name %q not in %q", name, tt.want, got)
				}
			}
		})
	}
}

func TestProposalTextTellsWhatButNotWhere(t *testing.T) {
	tx, err := loadTexts("", 36*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	p := map[string]string{"name": "Piet", "category": "Boodschappen", "day": "dinsdag 24 november ochtend",
		"distance": "1,2", "area": "3961 Wijk bij Duurstede", "code": "4821",
		"address": "Markt 12, 3961 AB Wijk bij Duurstede"}
	for _, lang := range languages() {
		got, err := tx.render(wijkhelpt.TmplVolunteerProposal, lang, wijkhelpt.ChannelSMS, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Piet", "Boodschappen", "dinsdag 24 november", "1,2 km", "3961 Wijk bij Duurstede", "4821", "36"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s proposal %q lacks %q", lang, got, want)
			}
		}
		if strings.Contains(got, "Markt") {
			t.Errorf("%s proposal gives away the address: %q", lang, got)
		}
	}
}

func TestCallTextsAndLogMasking(t *testing.T) {
	tx, err := loadTexts("0343-575 000", 0)
	if err != nil {
		t.Fatal(err)
	}
	p := worstParams()
	got, err := tx.render(wijkhelpt.TmplRequestReceived, "nl", wijkhelpt.ChannelCallback, p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "/r/") || !strings.Contains(got, "WH-7K3F") {
		t.Errorf("call text should give the reference, not the link: %q", got)
	}
	logged, err := tx.renderForLog(wijkhelpt.TmplVolunteerDetails, "nl", wijkhelpt.ChannelSMS, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"+31612345678", "Royensingel"} {
		if strings.Contains(logged, secret) {
			t.Errorf("log text shows %q: %q", secret, logged)
		}
	}
	if !strings.Contains(logged, "+31*******78") {
		t.Errorf("log text should show the masked phone: %q", logged)
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 1},
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("a", 306), 2},
		{strings.Repeat("a", 307), 3},
		{strings.Repeat("€", 80), 1}, // extension characters count twice
		{strings.Repeat("€", 81), 2},
		{strings.Repeat("ë", 70), 1}, // UCS-2
		{strings.Repeat("ë", 71), 2},
		{strings.Repeat("ë", 134), 2},
		{strings.Repeat("ë", 135), 3},
	}
	for _, tt := range tests {
		if got := Segments(tt.in); got != tt.want {
			t.Errorf("Segments(%d × %q) = %d; want %d", len([]rune(tt.in)), []rune(tt.in + " ")[0], got, tt.want)
		}
	}
}
