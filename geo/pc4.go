// Package geo turns Dutch postcodes and house numbers into places and points,
// and checks phone numbers. Offline it uses a table of four-digit postcode
// areas (PC4) with their approximate centres, from GeoNames (CC BY 4.0, see
// NOTICE); when configured it asks the national PDOK Locatieserver for the
// exact address and falls back to the table whenever that service fails.
package geo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"

	"wijkhelpt"
)

//go:embed nl-pc4.csv
var pc4CSV []byte

// PC4Area is one row of the PC4 table: a place within a four-digit postcode
// area and the approximate centre of that area.
type PC4Area struct {
	PC4   string
	Place string
	Point wijkhelpt.Point
}

// PC4Table is the offline table of Dutch four-digit postcode areas. It is
// read-only after loading and safe for concurrent use.
type PC4Table struct {
	areas map[string][]PC4Area
}

// LoadPC4 reads the embedded PC4 table.
func LoadPC4() (*PC4Table, error) {
	return ReadPC4(bytes.NewReader(pc4CSV))
}

// ReadPC4 reads a PC4 table in the embedded file's format: a header row and
// then pc4,place,lat,lon per line. Rows for the same PC4 keep their order.
func ReadPC4(r io.Reader) (*PC4Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("geo: read pc4 header: %w", err)
	}
	if header[0] != "pc4" || header[1] != "place" || header[2] != "lat" || header[3] != "lon" {
		return nil, errors.New("geo: read pc4: header is not pc4,place,lat,lon")
	}
	t := &PC4Table{areas: map[string][]PC4Area{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("geo: read pc4: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if !isPC4(rec[0]) {
			return nil, fmt.Errorf("geo: read pc4 line %d: %q is not a four-digit postcode", line, rec[0])
		}
		lat, err1 := strconv.ParseFloat(rec[2], 64)
		lon, err2 := strconv.ParseFloat(rec[3], 64)
		p := wijkhelpt.Point{Lat: lat, Lon: lon}
		if err1 != nil || err2 != nil || !p.Valid() {
			return nil, fmt.Errorf("geo: read pc4 line %d: bad coordinates", line)
		}
		if rec[1] == "" {
			return nil, fmt.Errorf("geo: read pc4 line %d: empty place", line)
		}
		t.areas[rec[0]] = append(t.areas[rec[0]], PC4Area{PC4: rec[0], Place: rec[1], Point: p})
	}
	if len(t.areas) == 0 {
		return nil, errors.New("geo: read pc4: no rows")
	}
	return t, nil
}

// Lookup returns the place and centre of a four-digit postcode area. When
// the area spans several places, the first row wins; Areas lists them all.
func (t *PC4Table) Lookup(pc4 string) (place string, p wijkhelpt.Point, ok bool) {
	rows := t.areas[pc4]
	if len(rows) == 0 {
		return "", wijkhelpt.Point{}, false
	}
	return rows[0].Place, rows[0].Point, true
}

// Areas returns every row of a four-digit postcode area, one per place, in
// table order. The slice is new on every call.
func (t *PC4Table) Areas(pc4 string) []PC4Area {
	return append([]PC4Area(nil), t.areas[pc4]...)
}

// Len is the number of distinct four-digit postcodes in the table.
func (t *PC4Table) Len() int { return len(t.areas) }

func isPC4(s string) bool {
	if len(s) != 4 || s[0] < '1' || s[0] > '9' {
		return false
	}
	for i := 1; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
