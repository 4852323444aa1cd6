package wijkhelpt_test

import (
	"math"
	"testing"

	"wijkhelpt"
)

func TestDistanceKm(t *testing.T) {
	utrecht := wijkhelpt.Point{Lat: 52.0907, Lon: 5.1214}
	amsterdam := wijkhelpt.Point{Lat: 52.3676, Lon: 4.9041}
	wijk := wijkhelpt.Point{Lat: 51.9745, Lon: 5.3432}
	const R = wijkhelpt.EarthRadiusKm
	tests := []struct {
		name string
		a, b wijkhelpt.Point
		want float64
		tol  float64
	}{
		{"same point", utrecht, utrecht, 0, 1e-9},
		{"utrecht amsterdam", utrecht, amsterdam, 34.16, 0.01},
		{"symmetric", amsterdam, utrecht, 34.16, 0.01},
		{"wijk bij duurstede utrecht", wijk, utrecht, 19.93, 0.01},
		{"one degree of latitude", wijkhelpt.Point{Lat: 10, Lon: 20}, wijkhelpt.Point{Lat: 11, Lon: 20}, math.Pi * R / 180, 1e-9},
		{"one degree of longitude on the equator", wijkhelpt.Point{Lat: 0, Lon: 0}, wijkhelpt.Point{Lat: 0, Lon: 1}, math.Pi * R / 180, 1e-9},
		{"antipodes", wijkhelpt.Point{Lat: 52, Lon: 5}, wijkhelpt.Point{Lat: -52, Lon: -175}, math.Pi * R, 1e-6},
		{"poles", wijkhelpt.Point{Lat: 90, Lon: 0}, wijkhelpt.Point{Lat: -90, Lon: 0}, math.Pi * R, 1e-6},
		{"across the date line", wijkhelpt.Point{Lat: 0, Lon: 179.5}, wijkhelpt.Point{Lat: 0, Lon: -179.5}, math.Pi * R / 180, 1e-9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wijkhelpt.DistanceKm(tt.a, tt.b)
			if math.IsNaN(got) || math.Abs(got-tt.want) > tt.tol {
				t.Errorf("DistanceKm = %.6f, want %.6f ± %g", got, tt.want, tt.tol)
			}
		})
	}
}

func TestPointValid(t *testing.T) {
	tests := []struct {
		p    wijkhelpt.Point
		want bool
	}{
		{wijkhelpt.Point{Lat: 52, Lon: 5}, true},
		{wijkhelpt.Point{Lat: -90, Lon: 180}, true},
		{wijkhelpt.Point{}, false},
		{wijkhelpt.Point{Lat: 91, Lon: 5}, false},
		{wijkhelpt.Point{Lat: 52, Lon: -181}, false},
		{wijkhelpt.Point{Lat: math.NaN(), Lon: 5}, false},
		{wijkhelpt.Point{Lat: 52, Lon: math.Inf(1)}, false},
	}
	for _, tt := range tests {
		if got := tt.p.Valid(); got != tt.want {
			t.Errorf("%+v.Valid() = %v, want %v", tt.p, got, tt.want)
		}
	}
}

func TestFirstName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Anna de Boer", "Anna"},
		{"  Anna   de Boer ", "Anna"},
		{"Anna", "Anna"},
		{"", ""},
		{"   ", ""},
		{"mevrouw Jansen", "mevrouw Jansen"},
		{"Mevrouw Jansen", "Mevrouw Jansen"},
		{"mevr. Jansen", "mevr. Jansen"},
		{"Mw. De Vries", "Mw. De Vries"},
		{"dhr. De Vries", "dhr. De Vries"},
		{"Dhr  De  Vries", "Dhr De Vries"},
		{"meneer Bakker", "meneer Bakker"},
		{"de heer Bakker", "de heer Bakker"},
		{"De heer Van den Berg", "De heer Van den Berg"},
		{"Mr. Smith", "Mr. Smith"},
		{"Mrs Smith", "Mrs Smith"},
		{"Ms. Smith", "Ms. Smith"},
		{"Mevrouw", "Mevrouw"},
		{"Dewi Sari", "Dewi"},
		{"Mrinal Das", "Mrinal"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := wijkhelpt.FirstName(tt.in); got != tt.want {
				t.Errorf("FirstName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLocationAddressAndArea(t *testing.T) {
	tests := []struct {
		name        string
		loc         wijkhelpt.Location
		wantAddress string
		wantArea    string
	}{
		{"full", testLocation(), "Markt 12, 3961 AB Wijk bij Duurstede", "3961 Wijk bij Duurstede"},
		{"no street", wijkhelpt.Location{Postcode: "3945 AA", HouseNumber: "3a", Place: "Cothen", PC4: "3945"},
			"huisnummer 3a, 3945 AA Cothen", "3945 Cothen"},
		{"street without number", wijkhelpt.Location{Street: "Markt", Postcode: "3961 AB", Place: "Wijk bij Duurstede"},
			"Markt, 3961 AB Wijk bij Duurstede", "Wijk bij Duurstede"},
		{"only pc4", wijkhelpt.Location{PC4: "3947"}, "", "3947"},
		{"empty", wijkhelpt.Location{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.loc.Address(); got != tt.wantAddress {
				t.Errorf("Address() = %q, want %q", got, tt.wantAddress)
			}
			if got := tt.loc.Area(); got != tt.wantArea {
				t.Errorf("Area() = %q, want %q", got, tt.wantArea)
			}
		})
	}
}

func TestPeriodCovers(t *testing.T) {
	p := wijkhelpt.Period{From: "2026-12-20", To: "2027-01-03"}
	for day, want := range map[string]bool{
		"2026-12-19": false, "2026-12-20": true, "2026-12-31": true, "2027-01-03": true, "2027-01-04": false,
	} {
		if got := p.Covers(day); got != want {
			t.Errorf("Covers(%s) = %v, want %v", day, got, want)
		}
	}
}
