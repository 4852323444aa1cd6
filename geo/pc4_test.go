package geo

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

func loadTable(tb testing.TB) *PC4Table {
	tb.Helper()
	t, err := LoadPC4()
	if err != nil {
		tb.Fatalf("LoadPC4: %v", err)
	}
	return t
}

func TestLoadPC4(t *testing.T) {
	table := loadTable(t)
	// The data README promises 4,064 distinct codes in 4,328 rows.
	if got, want := table.Len(), 4064; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	tests := []struct {
		pc4, place string
		lat, lon   float64
	}{
		{"3961", "Wijk bij Duurstede", 51.97, 5.33},
		{"3962", "Wijk bij Duurstede", 51.98, 5.34},
		{"3945", "Cothen", 52.00, 5.31},
		{"3947", "Langbroek", 52.01, 5.33},
		{"1011", "Amsterdam", 52.37, 4.90},
	}
	for _, tt := range tests {
		place, p, ok := table.Lookup(tt.pc4)
		if !ok {
			t.Errorf("Lookup(%s) not found", tt.pc4)
			continue
		}
		if place != tt.place || math.Abs(p.Lat-tt.lat) > 0.01 || math.Abs(p.Lon-tt.lon) > 0.01 {
			t.Errorf("Lookup(%s) = %s %v, want %s near %.2f %.2f", tt.pc4, place, p, tt.place, tt.lat, tt.lon)
		}
	}
	for _, pc4 := range []string{"0000", "0999", "3961AB", "", "1000", "3960"} {
		if place, _, ok := table.Lookup(pc4); ok {
			t.Errorf("Lookup(%q) = %q, want not found", pc4, place)
		}
	}
}

func TestPC4SeveralPlaces(t *testing.T) {
	table := loadTable(t)
	areas := table.Areas("5256")
	var places []string
	for _, a := range areas {
		places = append(places, a.Place)
	}
	want := []string{"Doeveren", "Haarsteeg", "Hedikhuizen", "Heesbeen", "Herpt", "Heusden", "Oudheusden"}
	if diff := cmp.Diff(want, places); diff != "" {
		t.Errorf("Areas(5256) places (-want +got):\n%s", diff)
	}
	place, p, _ := table.Lookup("5256")
	if place != areas[0].Place || p != areas[0].Point {
		t.Errorf("Lookup(5256) = %s %v, want the first row %s %v", place, p, areas[0].Place, areas[0].Point)
	}
	// Areas hands out a copy: changing it leaves the table alone.
	areas[0].Place = "Elders"
	if again, _, _ := table.Lookup("5256"); again != "Doeveren" {
		t.Errorf("Lookup after changing Areas' result = %s, want Doeveren", again)
	}
}

func TestReadPC4Refuses(t *testing.T) {
	tests := map[string]string{
		"empty":           "",
		"wrong header":    "code,place,lat,lon\n3961,Wijk,51.9,5.3\n",
		"header only":     "pc4,place,lat,lon\n",
		"short pc4":       "pc4,place,lat,lon\n396,Wijk,51.9,5.3\n",
		"leading zero":    "pc4,place,lat,lon\n0961,Wijk,51.9,5.3\n",
		"bad latitude":    "pc4,place,lat,lon\n3961,Wijk,noord,5.3\n",
		"off the earth":   "pc4,place,lat,lon\n3961,Wijk,91,5.3\n",
		"empty place":     "pc4,place,lat,lon\n3961,,51.9,5.3\n",
		"missing columns": "pc4,place,lat,lon\n3961,Wijk,51.9\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := ReadPC4(strings.NewReader(in)); err == nil {
				t.Errorf("ReadPC4 accepted %q", in)
			}
		})
	}
}

func TestDistanceKm(t *testing.T) {
	table := loadTable(t)
	_, wijk, _ := table.Lookup("3961")
	_, cothen, _ := table.Lookup("3945")
	_, amsterdam, _ := table.Lookup("1011")
	tests := []struct {
		name     string
		a, b     wijkhelpt.Point
		min, max float64
	}{
		{"same point", wijk, wijk, 0, 0},
		{"Wijk bij Duurstede to Cothen", wijk, cothen, 2.9, 3.3},
		{"Wijk bij Duurstede to Amsterdam", wijk, amsterdam, 52.5, 53.5},
	}
	for _, tt := range tests {
		got := DistanceKm(tt.a, tt.b)
		if got < tt.min || got > tt.max {
			t.Errorf("%s: DistanceKm = %.3f, want between %.1f and %.1f", tt.name, got, tt.min, tt.max)
		}
		if back := DistanceKm(tt.b, tt.a); math.Abs(back-got) > 1e-9 {
			t.Errorf("%s: not symmetric: %.6f and %.6f", tt.name, got, back)
		}
	}
}
