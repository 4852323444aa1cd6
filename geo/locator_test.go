package geo

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

func TestLocateOffline(t *testing.T) {
	l := NewLocator(loadTable(t))
	ctx := context.Background()
	got, err := l.Locate(ctx, "3961 AB", "12", nil)
	if err != nil {
		t.Fatalf("Locate: %v", err)
	}
	if math.Abs(got.Point.Lat-51.97) > 0.01 || math.Abs(got.Point.Lon-5.33) > 0.01 {
		t.Errorf("point = %v, want about 51.97 N, 5.33 E", got.Point)
	}
	want := wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "12", Place: "Wijk bij Duurstede",
		PC4: "3961", Point: got.Point, Source: SourcePC4}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Locate (-want +got):\n%s", diff)
	}

	tests := []struct {
		postcode, house string
		place, pc4      string
	}{
		{"3962ab", "7a", "Wijk bij Duurstede", "3962"},
		{"3945 BC", "3", "Cothen", "3945"},
		{"3947-cd", "101-2", "Langbroek", "3947"},
	}
	for _, tt := range tests {
		got, err := l.Locate(ctx, tt.postcode, tt.house, nil)
		if err != nil {
			t.Errorf("Locate(%s, %s): %v", tt.postcode, tt.house, err)
			continue
		}
		if got.Place != tt.place || got.PC4 != tt.pc4 || got.Source != SourcePC4 || got.Street != "" || !got.Point.Valid() {
			t.Errorf("Locate(%s, %s) = %+v, want %s in %s from the PC4 table", tt.postcode, tt.house, got, tt.pc4, tt.place)
		}
	}
}

func TestLocateGiven(t *testing.T) {
	l := NewLocator(loadTable(t))
	given := wijkhelpt.Point{Lat: 51.9761, Lon: 5.3442}
	got, err := l.Locate(context.Background(), "3961AB", "12", &given)
	if err != nil {
		t.Fatalf("Locate: %v", err)
	}
	want := wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "12", Place: "Wijk bij Duurstede",
		PC4: "3961", Point: given, Source: SourceGiven}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Locate (-want +got):\n%s", diff)
	}
	if _, err := l.Locate(context.Background(), "3961AB", "12", &wijkhelpt.Point{Lat: 95, Lon: 5}); err == nil {
		t.Error("Locate accepted a latitude of 95")
	} else {
		checkInvalid(t, err)
	}
}

func TestLocateRefuses(t *testing.T) {
	l := NewLocator(loadTable(t))
	tests := []struct{ name, postcode, house string }{
		{"unknown area", "1000 AA", "1"},
		{"bad postcode", "12345", "1"},
		{"bad house number", "3961 AB", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := l.Locate(context.Background(), tt.postcode, tt.house, nil)
			checkInvalid(t, err)
		})
	}
	_, err := l.Locate(context.Background(), "1000 AA", "1", nil)
	if got := wijkhelpt.AsError(err).Fields[""].NL; !strings.HasPrefix(got, "We kennen deze postcode niet.") {
		t.Errorf("message = %q, want it to start with \"We kennen deze postcode niet.\"", got)
	}
	// The desk merges the error under its postcode field.
	errs := wijkhelpt.FieldErrors{}
	errs.Merge("postcode", err)
	if _, ok := errs["postcode"]; !ok || len(errs) != 1 {
		t.Errorf("merged field errors = %v, want one for postcode", errs)
	}
}

// pdokAddress is one address the PDOK double knows.
type pdokAddress struct {
	street, place, postcode, huisNLT, letter, addition string
	number                                             int
	lon, lat                                           float64
}

// pdokDouble is a local server that answers like the PDOK Locatieserver's
// free endpoint, from a few addresses.
type pdokDouble struct {
	*httptest.Server
	mu        sync.Mutex
	mode      string // "", "500", "slow", "garbage"
	requests  int
	addresses []pdokAddress
	queries   []string
}

func newPDOKDouble(tb testing.TB) *pdokDouble {
	tb.Helper()
	d := &pdokDouble{addresses: []pdokAddress{
		{street: "Molenstraat", place: "Wijk bij Duurstede", postcode: "3961AB", number: 12, huisNLT: "12", lon: 5.34211, lat: 51.97402},
		{street: "Molenstraat", place: "Wijk bij Duurstede", postcode: "3961AB", number: 12, huisNLT: "12A", letter: "A", lon: 5.34219, lat: 51.97409},
		{street: "Molenstraat", place: "Wijk bij Duurstede", postcode: "3961AB", number: 14, huisNLT: "14-2", addition: "2", lon: 5.34233, lat: 51.97415},
		{street: "Dorpsstraat", place: "Cothen", postcode: "3945BC", number: 3, huisNLT: "3", lon: 5.30712, lat: 51.99588},
	}}
	done := make(chan struct{})
	d.Server = httptest.NewServer(http.HandlerFunc(d.serve(done)))
	tb.Cleanup(func() {
		close(done)
		d.Close()
	})
	return d
}

func (d *pdokDouble) set(mode string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mode = mode
}

func (d *pdokDouble) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.requests
}

func (d *pdokDouble) serve(done <-chan struct{}) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.requests++
		mode := d.mode
		q := r.URL.Query()
		d.queries = append(d.queries, r.URL.RawQuery)
		d.mu.Unlock()
		switch mode {
		case "500":
			http.Error(w, "internal server error", http.StatusInternalServerError)
			return
		case "slow":
			select {
			case <-r.Context().Done():
			case <-done:
			}
			return
		case "garbage":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>onderhoud</html>"))
			return
		}
		// The Locatieserver v3.1 refuses parameters outside its OpenAPI
		// specification; the double refuses anything but these.
		for k := range q {
			switch k {
			case "q", "fq", "fl", "rows":
			default:
				http.Error(w, "unknown parameter "+k, http.StatusBadRequest)
				return
			}
		}
		if q.Get("fq") != "type:adres" {
			http.Error(w, "want fq=type:adres", http.StatusBadRequest)
			return
		}
		var postcode, number string
		for _, term := range strings.Split(q.Get("q"), " and ") {
			k, v, _ := strings.Cut(term, ":")
			switch k {
			case "postcode":
				postcode = v
			case "huisnummer":
				number = v
			}
		}
		docs := []map[string]any{}
		for _, a := range d.addresses {
			if a.postcode == postcode && number != "" && strings.TrimSpace(number) == itoa(a.number) {
				docs = append(docs, pdokDocJSON(a))
			}
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"response": map[string]any{
				"numFound":      len(docs),
				"start":         0,
				"maxScore":      13.862374,
				"numFoundExact": true,
				"docs":          docs,
			},
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// pdokDocJSON writes an address document with the fields the real service
// returns for type "adres".
func pdokDocJSON(a pdokAddress) map[string]any {
	doc := map[string]any{
		"bron":                   "BAG",
		"woonplaatscode":         "1067",
		"type":                   "adres",
		"woonplaatsnaam":         a.place,
		"wijkcode":               "WK035201",
		"huis_nlt":               a.huisNLT,
		"openbareruimtetype":     "Weg",
		"buurtnaam":              "Binnenstad",
		"gemeentecode":           "0352",
		"weergavenaam":           a.street + " " + a.huisNLT + ", " + a.postcode + " " + a.place,
		"straatnaam_verkort":     a.street,
		"id":                     "adr-0123456789abcdef0123456789abcdef",
		"gemeentenaam":           "Wijk bij Duurstede",
		"identificatie":          "0352010000012345-0352200000012345",
		"openbareruimte_id":      "0352300000000123",
		"provinciecode":          "PV26",
		"postcode":               a.postcode,
		"provincienaam":          "Utrecht",
		"centroide_ll":           "POINT(" + ftoa(a.lon) + " " + ftoa(a.lat) + ")",
		"nummeraanduiding_id":    "0352200000012345",
		"adresseerbaarobject_id": "0352010000012345",
		"huisnummer":             a.number,
		"provincieafkorting":     "UT",
		"centroide_rd":           "POINT(149846.123 444520.456)",
		"straatnaam":             a.street,
		"gekoppeld_perceel":      []string{"WBD00-A-1234"},
	}
	if a.letter != "" {
		doc["huisletter"] = a.letter
	}
	if a.addition != "" {
		doc["huisnummertoevoeging"] = a.addition
	}
	return doc
}

func ftoa(f float64) string { b, _ := json.Marshal(f); return string(b) }

// memCache is a minimal in-memory stand-in for the store's location cache.
type memCache struct {
	mu   sync.Mutex
	m    map[string]wijkhelpt.Location
	puts int
}

func (c *memCache) GetCachedLocation(_ context.Context, key string) (wijkhelpt.Location, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	loc, ok := c.m[key]
	return loc, ok, nil
}

func (c *memCache) PutCachedLocation(_ context.Context, key string, loc wijkhelpt.Location) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]wijkhelpt.Location{}
	}
	c.m[key] = loc
	c.puts++
	return nil
}

func TestLocatePDOK(t *testing.T) {
	srv := newPDOKDouble(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// A generous time limit, so that a busy test machine never turns a hit
	// into a fallback; the slow case gets its own Locator with a short one.
	l := NewLocator(loadTable(t), WithPDOK(srv.URL, srv.Client(), nil), WithTimeout(time.Minute), WithLogger(log))
	quick := NewLocator(loadTable(t), WithPDOK(srv.URL, srv.Client(), nil), WithTimeout(50*time.Millisecond), WithLogger(log))
	ctx := context.Background()

	_, centre, _ := loadTable(t).Lookup("3961")
	tests := []struct {
		name, mode, postcode, house string
		want                        wijkhelpt.Location
	}{
		{"hit", "", "3961 AB", "12", wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "12", Street: "Molenstraat",
			Place: "Wijk bij Duurstede", PC4: "3961", Point: wijkhelpt.Point{Lat: 51.97402, Lon: 5.34211}, Source: SourcePDOK}},
		{"hit with house letter", "", "3961 AB", "12a", wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "12a", Street: "Molenstraat",
			Place: "Wijk bij Duurstede", PC4: "3961", Point: wijkhelpt.Point{Lat: 51.97409, Lon: 5.34219}, Source: SourcePDOK}},
		{"hit with addition", "", "3961 AB", "14-2", wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "14-2", Street: "Molenstraat",
			Place: "Wijk bij Duurstede", PC4: "3961", Point: wijkhelpt.Point{Lat: 51.97415, Lon: 5.34233}, Source: SourcePDOK}},
		{"letter unknown to PDOK takes the building", "", "3961 AB", "12b", wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "12b", Street: "Molenstraat",
			Place: "Wijk bij Duurstede", PC4: "3961", Point: wijkhelpt.Point{Lat: 51.97402, Lon: 5.34211}, Source: SourcePDOK}},
		{"no hit", "", "3961 AB", "13", wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "13",
			Place: "Wijk bij Duurstede", PC4: "3961", Point: centre, Source: SourcePC4}},
		{"addition only, no plain number", "", "3961 AB", "14", wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "14",
			Place: "Wijk bij Duurstede", PC4: "3961", Point: centre, Source: SourcePC4}},
		{"server error", "500", "3961 AB", "12", wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "12",
			Place: "Wijk bij Duurstede", PC4: "3961", Point: centre, Source: SourcePC4}},
		{"timeout", "slow", "3961 AB", "12", wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "12",
			Place: "Wijk bij Duurstede", PC4: "3961", Point: centre, Source: SourcePC4}},
		{"not JSON", "garbage", "3961 AB", "12", wijkhelpt.Location{Postcode: "3961 AB", HouseNumber: "12",
			Place: "Wijk bij Duurstede", PC4: "3961", Point: centre, Source: SourcePC4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.set(tt.mode)
			before := srv.count()
			loc := l
			if tt.mode == "slow" {
				loc = quick
			}
			got, err := loc.Locate(ctx, tt.postcode, tt.house, nil)
			if err != nil {
				t.Fatalf("Locate: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Locate (-want +got):\n%s", diff)
			}
			if srv.count() != before+1 {
				t.Errorf("PDOK asked %d times, want once", srv.count()-before)
			}
		})
	}
	srv.set("")

	srv.mu.Lock()
	firstQuery := srv.queries[0]
	srv.mu.Unlock()
	if want := "fq=type%3Aadres"; !strings.Contains(firstQuery, want) {
		t.Errorf("query %q lacks %q", firstQuery, want)
	}
	if want := "q=postcode%3A3961AB+and+huisnummer%3A12"; !strings.Contains(firstQuery, want) {
		t.Errorf("query %q lacks %q", firstQuery, want)
	}
	out := logs.String()
	for _, secret := range []string{"3961", "Molenstraat", "huisnummer"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "pdok: timeout") || !strings.Contains(out, "pdok: status 500") {
		t.Errorf("log does not say why lookups failed:\n%s", out)
	}
}

func TestLocatePDOKUnknownToTable(t *testing.T) {
	// An area missing from the PC4 table is still fine when PDOK knows the
	// address, and refused when it does not.
	srv := newPDOKDouble(t)
	srv.addresses = append(srv.addresses, pdokAddress{street: "Nieuwe Laan", place: "Nergenshuizen",
		postcode: "1000AA", number: 1, huisNLT: "1", lon: 4.9, lat: 52.37})
	l := NewLocator(loadTable(t), WithPDOK(srv.URL, srv.Client(), nil), WithTimeout(time.Minute))
	got, err := l.Locate(context.Background(), "1000AA", "1", nil)
	if err != nil {
		t.Fatalf("Locate: %v", err)
	}
	if got.Place != "Nergenshuizen" || got.Source != SourcePDOK {
		t.Errorf("Locate = %+v, want the PDOK address", got)
	}
	_, err = l.Locate(context.Background(), "1000AA", "2", nil)
	checkInvalid(t, err)
}

func TestLocatePDOKCache(t *testing.T) {
	srv := newPDOKDouble(t)
	cache := &memCache{}
	l := NewLocator(loadTable(t), WithPDOK(srv.URL, srv.Client(), cache), WithTimeout(time.Minute))
	ctx := context.Background()

	first, err := l.Locate(ctx, "3945bc", "3", nil)
	if err != nil {
		t.Fatalf("first Locate: %v", err)
	}
	if first.Source != SourcePDOK || first.Street != "Dorpsstraat" {
		t.Fatalf("first Locate = %+v, want the PDOK address", first)
	}
	// Written differently, the same address hits the cache: the service is
	// not asked again, even while it is down.
	srv.set("500")
	second, err := l.Locate(ctx, "3945 BC", " 3 ", nil)
	if err != nil {
		t.Fatalf("second Locate: %v", err)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("cached Locate (-first +second):\n%s", diff)
	}
	if got := srv.count(); got != 1 {
		t.Errorf("PDOK asked %d times, want once", got)
	}
	if cache.puts != 1 {
		t.Errorf("cache written %d times, want once", cache.puts)
	}
	for key := range cache.m {
		if strings.Contains(key, "3945") {
			t.Errorf("cache key %q spells out the address", key)
		}
	}
	// Misses and failures are not cached: the next try asks again.
	if _, err := l.Locate(ctx, "3945 BC", "4", nil); err != nil {
		t.Fatalf("Locate: %v", err)
	}
	if cache.puts != 1 || srv.count() != 2 {
		t.Errorf("after a failed lookup: %d cache writes, %d requests; want 1 and 2", cache.puts, srv.count())
	}
}

func TestLocateCancelled(t *testing.T) {
	srv := newPDOKDouble(t)
	srv.set("slow")
	l := NewLocator(loadTable(t), WithPDOK(srv.URL, srv.Client(), nil), WithTimeout(time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.Locate(ctx, "3961 AB", "12", nil)
	if err == nil || wijkhelpt.ErrorCodeOf(err) == wijkhelpt.ErrInvalid {
		t.Errorf("Locate with a cancelled context = %v, want a non-input error", err)
	}
}

func TestParseWKTPoint(t *testing.T) {
	tests := []struct {
		in   string
		want wijkhelpt.Point
		ok   bool
	}{
		{"POINT(5.34211 51.97402)", wijkhelpt.Point{Lat: 51.97402, Lon: 5.34211}, true},
		{" POINT(5.1 52.1) ", wijkhelpt.Point{Lat: 52.1, Lon: 5.1}, true},
		{"POINT(5.1)", wijkhelpt.Point{}, false},
		{"POINT(5.1 52.1 3)", wijkhelpt.Point{}, false},
		{"POINT(0 0)", wijkhelpt.Point{}, false},
		{"POINT(5.1 95)", wijkhelpt.Point{}, false},
		{"LINESTRING(5.1 52.1, 5.2 52.2)", wijkhelpt.Point{}, false},
		{"", wijkhelpt.Point{}, false},
	}
	for _, tt := range tests {
		got, ok := parseWKTPoint(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseWKTPoint(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
