package matching

import (
	"math"

	"wijkhelpt"
)

// kmPerDegree is the length of one degree of latitude.
const kmPerDegree = wijkhelpt.EarthRadiusKm * rad

// lonStretch makes cells about square at Dutch latitudes (1/cos 52°); it
// only affects speed, never results.
const lonStretch = 1.6243

// class is one radius class: a uniform lat/lon grid of cells, each holding
// copies of the facts of the offers whose point falls in it.
type class struct {
	upper   float64
	maxKm   float64 // the largest maximum distance ever placed here
	cellLat float64 // cell height in degrees
	cellLon float64 // cell width in degrees
	cells   map[uint64]*cell
	count   int
}

type cell struct{ facts []fact }

// newClasses builds the empty radius classes. Their upper bounds (km,
// inclusive) are 1, 2, 3, 5, 7.5, 10, 15, 25, 50, 100 and beyond: an offer
// goes into the first class its maximum distance fits, so that a query
// searches the many short-radius offers only over a short radius.
func newClasses() []*class {
	uppers := []float64{1, 2, 3, 5, 7.5, 10, 15, 25, 50, 100, math.Inf(1)}
	out := make([]*class, len(uppers))
	for i, u := range uppers {
		size := 50.0 // km, for the open-ended class
		if !math.IsInf(u, 1) {
			size = max(1, u/2)
		}
		out[i] = &class{
			upper:   u,
			cellLat: size / kmPerDegree,
			cellLon: size / kmPerDegree * lonStretch,
			cells:   map[uint64]*cell{},
		}
	}
	return out
}

// classOf returns the radius class for a maximum distance.
func (e *Engine) classOf(maxKm float64) int {
	for i, c := range e.classes {
		if maxKm <= c.upper {
			return i
		}
	}
	return len(e.classes) - 1
}

func (c *class) row(lat float64) int64 { return int64(math.Floor((lat + 90) / c.cellLat)) }
func (c *class) col(lon float64) int64 { return int64(math.Floor((lon + 180) / c.cellLon)) }

func cellKey(row, col int64) uint64 { return uint64(uint32(row))<<32 | uint64(uint32(col)) }

func (c *class) keyOf(lat, lon float64) uint64 { return cellKey(c.row(lat), c.col(lon)) }

// box bounds the points that can lie within a radius of a query point. When
// ok is false (radius unbounded or huge, near a pole, across the date line)
// it bounds nothing and every cell of the class is scanned.
type box struct {
	ok                             bool
	minLat, maxLat, minLon, maxLon float64
}

// boundsFor returns the box around p holding every point whose haversine
// distance to p is at most km. The margin (a millionth plus a millimetre)
// is far larger than any rounding in the distance, so an offer exactly at
// its radius is inside.
func boundsFor(lat, lon, km float64) box {
	if !(km >= 0) || km > 2000 {
		return box{}
	}
	delta := (km*(1+1e-6) + 1e-6) / wijkhelpt.EarthRadiusKm // radians
	dLat := delta / rad
	if math.Abs(lat)+dLat >= 89 {
		return box{}
	}
	// The widest longitude reached on a sphere within angular distance
	// delta of a point at latitude lat (no pole inside the circle).
	dLon := math.Asin(math.Sin(delta)/math.Cos(lat*rad)) / rad
	if math.IsNaN(dLon) || lon-dLon < -180 || lon+dLon > 180 {
		return box{}
	}
	return box{ok: true, minLat: lat - dLat, maxLat: lat + dLat, minLon: lon - dLon, maxLon: lon + dLon}
}

func (b *box) outside(f *fact) bool {
	return f.lat < b.minLat || f.lat > b.maxLat || f.lon < b.minLon || f.lon > b.maxLon
}

// within appends to buf the cells that can hold points inside b.
func (c *class) within(b box, buf []*cell) []*cell {
	if c.count == 0 {
		return buf
	}
	if !b.ok {
		for _, cl := range c.cells {
			buf = append(buf, cl)
		}
		return buf
	}
	r0, r1 := c.row(b.minLat), c.row(b.maxLat)
	c0, c1 := c.col(b.minLon), c.col(b.maxLon)
	if (r1-r0+1)*(c1-c0+1) > int64(len(c.cells)) {
		// Fewer cells exist than we would look up: take them all.
		for _, cl := range c.cells {
			buf = append(buf, cl)
		}
		return buf
	}
	for r := r0; r <= r1; r++ {
		for k := c0; k <= c1; k++ {
			if cl, ok := c.cells[cellKey(r, k)]; ok {
				buf = append(buf, cl)
			}
		}
	}
	return buf
}

// place puts the grid copy of e.facts[num] where it belongs now: in the
// cell of its point in its radius class, or nowhere when it can never pass
// constraints 1 and 2.
func (e *Engine) place(num int32) {
	f := &e.facts[num]
	p := &e.pos[num]
	want := int8(-1)
	var key uint64
	if f.flags&(flagUnavailable|flagNoPoint) == 0 {
		want = int8(e.classOf(f.maxKm))
		key = e.classes[want].keyOf(f.lat, f.lon)
	}
	if p.class >= 0 && p.class == want && p.key == key {
		e.classes[want].cells[key].facts[p.idx] = *f
		return
	}
	if p.class >= 0 {
		e.unplace(num)
	}
	if want < 0 {
		return
	}
	c := e.classes[want]
	cl := c.cells[key]
	if cl == nil {
		cl = &cell{}
		c.cells[key] = cl
	}
	cl.facts = append(cl.facts, *f)
	c.count++
	c.maxKm = max(c.maxKm, f.maxKm)
	*p = position{class: want, key: key, idx: int32(len(cl.facts) - 1)}
}

// unplace removes the grid copy of offer num, moving the cell's last fact
// into the hole.
func (e *Engine) unplace(num int32) {
	p := &e.pos[num]
	c := e.classes[p.class]
	cl := c.cells[p.key]
	last := len(cl.facts) - 1
	if int(p.idx) != last {
		moved := cl.facts[last]
		cl.facts[p.idx] = moved
		e.pos[moved.num].idx = p.idx
	}
	cl.facts[last] = fact{}
	cl.facts = cl.facts[:last]
	if len(cl.facts) == 0 {
		delete(c.cells, p.key)
	}
	c.count--
	*p = position{class: -1}
}

// patch changes the fact of offer num and its grid copy alike.
func (e *Engine) patch(num int32, fn func(*fact)) {
	fn(&e.facts[num])
	e.place(num)
}
