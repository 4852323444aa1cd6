package wijkhelpt

import (
	"math"
	"strings"
)

// EarthRadiusKm is the mean Earth radius used for every distance (spec §7).
const EarthRadiusKm = 6371.0088

// Point is a WGS84 position.
type Point struct {
	Lat float64 `json:"lat" bson:"lat"`
	Lon float64 `json:"lon" bson:"lon"`
}

// IsZero reports whether the point was never set.
func (p Point) IsZero() bool { return p.Lat == 0 && p.Lon == 0 }

// Valid reports whether the point is a possible position on Earth.
func (p Point) Valid() bool {
	return !p.IsZero() && p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180 &&
		!math.IsNaN(p.Lat) && !math.IsNaN(p.Lon)
}

// DistanceKm is the great-circle (haversine) distance between two points.
func DistanceKm(a, b Point) float64 {
	const rad = math.Pi / 180
	dLat := (b.Lat - a.Lat) * rad
	dLon := (b.Lon - a.Lon) * rad
	s1 := math.Sin(dLat / 2)
	s2 := math.Sin(dLon / 2)
	h := s1*s1 + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*s2*s2
	return 2 * EarthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}

// Location is an address as far as the desk needs it. The point is precise
// (from the address service) or approximate (the PC4 centre); Source says
// which. Volunteers see only PC4 and Place until they accept.
type Location struct {
	Postcode    string `json:"postcode" bson:"postcode"`       // "3961 AB"
	HouseNumber string `json:"houseNumber" bson:"houseNumber"` // "12a"
	Street      string `json:"street,omitempty" bson:"street,omitempty"`
	Place       string `json:"place" bson:"place"`
	PC4         string `json:"pc4" bson:"pc4"`
	Point       Point  `json:"point" bson:"point"`
	Source      string `json:"source" bson:"source"` // "pdok", "pc4", "given"
}

// Address is the full address line for the people allowed to see it.
func (l Location) Address() string {
	parts := []string{}
	if l.Street != "" {
		parts = append(parts, strings.TrimSpace(l.Street+" "+l.HouseNumber))
	} else if l.HouseNumber != "" {
		parts = append(parts, "huisnummer "+l.HouseNumber)
	}
	pc := strings.TrimSpace(l.Postcode + " " + l.Place)
	if pc != "" {
		parts = append(parts, pc)
	}
	return strings.Join(parts, ", ")
}

// Area is what may be shown before acceptance: "3961 Wijk bij Duurstede".
func (l Location) Area() string { return strings.TrimSpace(l.PC4 + " " + l.Place) }

// Contact is how to reach a person. Phone is E.164 ("+31612345678").
type Contact struct {
	Name   string `json:"name" bson:"name"`
	Phone  string `json:"phone" bson:"phone"`
	Mobile bool   `json:"mobile" bson:"mobile"` // the number can receive SMS
	Email  string `json:"email,omitempty" bson:"email,omitempty"`
}

// FirstName is the first word of the name: all a volunteer or resident is told
// of the other before they meet.
func FirstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	// "mevrouw Jansen", "de heer Bakker" and "dhr. De Vries" are how staff
	// type names: keep the title with the surname then, which is how such a
	// person is addressed.
	switch strings.ToLower(strings.TrimRight(f[0], ".")) {
	case "mevrouw", "mevr", "mw", "meneer", "dhr", "heer", "mr", "mrs", "ms":
		return strings.Join(f, " ")
	case "de":
		if len(f) > 1 && strings.EqualFold(f[1], "heer") {
			return strings.Join(f, " ")
		}
	}
	return f[0]
}

// Person is someone recorded by name, such as the person who needs the help
// when somebody else asks on their behalf.
type Person struct {
	Name     string `json:"name" bson:"name"`
	Relation string `json:"relation,omitempty" bson:"relation,omitempty"` // "buurvrouw", "dochter", "huisarts"
}

// Period is a run of days, both ends included, in YYYY-MM-DD.
type Period struct {
	From string `json:"from" bson:"from"`
	To   string `json:"to" bson:"to"`
}

// Covers reports whether the day (YYYY-MM-DD) lies in the period.
func (p Period) Covers(day string) bool { return day >= p.From && day <= p.To }
