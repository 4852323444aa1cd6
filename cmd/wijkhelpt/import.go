package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"wijkhelpt"
)

// The CSV columns of spec §9. Lists inside a cell are separated by "|".
var (
	offerColumns   = []string{"name", "phone", "email", "postcode", "house_number", "lat", "lon", "categories", "slots", "max_distance_km", "capacity", "vog", "languages"}
	requestColumns = []string{"name", "phone", "postcode", "house_number", "lat", "lon", "text", "categories", "slots"}
)

// fieldColumn maps the intake's field names to the CSV's column names, so
// that an error points at the column the user can see.
func fieldColumn(field string) string {
	switch field {
	case "contact.name":
		return "name"
	case "contact.phone":
		return "phone"
	case "contact.email":
		return "email"
	case "houseNumber":
		return "house_number"
	case "maxDistanceKm":
		return "max_distance_km"
	case "vogDate":
		return "vog"
	case "location":
		return "lat/lon"
	}
	return field
}

// rowError is one problem in one row of the file.
type rowError struct {
	Line   int
	Column string
	Msg    wijkhelpt.Text
}

func cmdImport(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	var skipInvalid bool
	// Flags may come before or after "offers FILE": take the kind and file
	// out first so the flag parser sees only flags.
	var kind, file string
	var flags []string
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "-"):
			flags = append(flags, a)
		case kind == "":
			kind = a
		case file == "":
			file = a
		default:
			flags = append(flags, a)
		}
	}
	if kind != "offers" && kind != "requests" {
		return errors.New("usage: wijkhelpt import offers|requests FILE.csv [--skip-invalid]")
	}
	if file == "" {
		return errors.New("usage: wijkhelpt import " + kind + " FILE.csv [--skip-invalid]")
	}
	lang := "nl"
	if strings.HasPrefix(getenv("LANG"), "en") {
		lang = "en"
	}
	s, _, err := setup(ctx, "import", flags, io, getenv, func(fs *flag.FlagSet) {
		fs.BoolVar(&skipInvalid, "skip-invalid", false, "import the valid rows and report the others, instead of importing nothing")
	})
	if err != nil {
		return err
	}
	defer s.close()
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	imp := &importer{s: s, io: io, lang: lang, skipInvalid: skipInvalid}
	if kind == "offers" {
		return imp.offers(ctx, f)
	}
	return imp.requests(ctx, f)
}

type importer struct {
	s           *services
	io          stdio
	lang        string
	skipInvalid bool
}

// csvTable is a parsed file: the header's column positions and the rows with
// their line numbers.
type csvTable struct {
	cols  map[string]int
	rows  [][]string
	lines []int
}

func (t *csvTable) get(row []string, col string) string {
	i, ok := t.cols[col]
	if !ok || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// readCSV reads a UTF-8 file with a header row, separated by ";" or ","
// (whichever the header uses), and checks that the required columns exist.
func readCSV(r io.Reader, required []string) (*csvTable, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(4096)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
		_, _ = br.Discard(3)
	}
	first, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(br)
	cr.Comma = ','
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("regel 1: geen kopregel gevonden (no header row): %w", err)
	}
	t := &csvTable{cols: map[string]int{}}
	for i, h := range header {
		t.cols[strings.ToLower(strings.TrimSpace(h))] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("regel 1: kolommen ontbreken (missing columns): %s", strings.Join(missing, ", "))
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("regel %d: %w", line, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		t.rows = append(t.rows, rec)
		t.lines = append(t.lines, line)
	}
	return t, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseNumber reads "2.5" and the Dutch "2,5".
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(s), ",", ".", 1), 64)
	return f, err == nil
}

// point reads the optional lat/lon columns: both or neither.
func point(t *csvTable, row []string, line int, errs *[]rowError) *wijkhelpt.Point {
	la, lo := t.get(row, "lat"), t.get(row, "lon")
	if la == "" && lo == "" {
		return nil
	}
	lat, ok1 := parseNumber(la)
	lon, ok2 := parseNumber(lo)
	if !ok1 || !ok2 {
		*errs = append(*errs, rowError{line, "lat/lon", wijkhelpt.T("Vul lat en lon allebei in als getal, of laat ze allebei leeg.", "Give both lat and lon as numbers, or leave both empty.")})
		return nil
	}
	return &wijkhelpt.Point{Lat: lat, Lon: lon}
}

// collect turns a validation error of one row into row errors.
func collect(line int, err error, errs *[]rowError) {
	e := wijkhelpt.AsError(err)
	if len(e.Fields) == 0 {
		*errs = append(*errs, rowError{line, "", e.Message})
		return
	}
	names := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		*errs = append(*errs, rowError{line, fieldColumn(k), e.Fields[k]})
	}
}

// report prints every row error and says what happens next.
func (imp *importer) report(errs []rowError, total int) error {
	if len(errs) == 0 {
		return nil
	}
	bad := map[int]bool{}
	for _, e := range errs {
		bad[e.Line] = true
		if e.Column != "" {
			fmt.Fprintf(imp.io.err, "regel %d, kolom %s: %s\n", e.Line, e.Column, e.Msg.In(imp.lang))
		} else {
			fmt.Fprintf(imp.io.err, "regel %d: %s\n", e.Line, e.Msg.In(imp.lang))
		}
	}
	if !imp.skipInvalid {
		return fmt.Errorf("niets geïmporteerd: %d van %d rijen hebben fouten (nothing imported: %d of %d rows have errors; fix them or use --skip-invalid)",
			len(bad), total, len(bad), total)
	}
	fmt.Fprintf(imp.io.err, "%d rijen met fouten overgeslagen.\n", len(bad))
	return nil
}

const importBatch = 1000

func (imp *importer) offers(ctx context.Context, r io.Reader) error {
	start := time.Now()
	t, err := readCSV(r, []string{"name", "phone", "postcode", "house_number", "categories"})
	if err != nil {
		return err
	}
	var errs []rowError
	var good []*wijkhelpt.Offer
	seen := map[string]bool{}
	for i, row := range t.rows {
		line := t.lines[i]
		n := len(errs)
		in := wijkhelpt.OfferInput{
			Name:        t.get(row, "name"),
			Phone:       t.get(row, "phone"),
			Email:       t.get(row, "email"),
			Postcode:    t.get(row, "postcode"),
			HouseNumber: t.get(row, "house_number"),
			Location:    point(t, row, line, &errs),
			Categories:  splitList(t.get(row, "categories")),
			Slots:       splitList(t.get(row, "slots")),
			Languages:   splitList(t.get(row, "languages")),
		}
		if v := t.get(row, "max_distance_km"); v != "" {
			if in.MaxDistanceKm, _ = parseNumber(v); in.MaxDistanceKm == 0 {
				errs = append(errs, rowError{line, "max_distance_km", wijkhelpt.T("Vul een afstand in km in, zoals 5.", "Give a distance in km, such as 5.")})
			}
		}
		if v := t.get(row, "capacity"); v != "" {
			c, err := strconv.Atoi(v)
			if err != nil || c < 1 {
				errs = append(errs, rowError{line, "capacity", wijkhelpt.T("Vul een heel getal vanaf 1 in.", "Give a whole number from 1.")})
			}
			in.Capacity = c
		}
		switch v := strings.ToLower(t.get(row, "vog")); v {
		case "", "no", "nee":
		default:
			in.VOGDate = v
		}
		if len(errs) > n {
			continue
		}
		o, err := imp.s.desk.PrepareOffer(ctx, in, wijkhelpt.ActorImport)
		if err != nil {
			collect(line, err, &errs)
			continue
		}
		o.ImportKey = wijkhelpt.OfferImportKey(o.Phone, o.Name)
		if seen[o.ImportKey] {
			continue // the same person twice in one file: once is enough
		}
		seen[o.ImportKey] = true
		good = append(good, o)
	}
	if err := imp.report(errs, len(t.rows)); err != nil {
		return err
	}
	inserted, err := imp.insert(ctx, len(good), "aanbod", func(from, to int) (int, error) {
		return imp.s.db.InsertOffers(ctx, good[from:to])
	})
	if err != nil {
		return err
	}
	imp.summary(len(t.rows), inserted, len(good)-inserted, start)
	return nil
}

func (imp *importer) requests(ctx context.Context, r io.Reader) error {
	start := time.Now()
	t, err := readCSV(r, []string{"name", "phone", "postcode", "house_number", "text"})
	if err != nil {
		return err
	}
	var errs []rowError
	var good []*wijkhelpt.Request
	seen := map[string]bool{}
	for i, row := range t.rows {
		line := t.lines[i]
		n := len(errs)
		in := wijkhelpt.RequestInput{
			Text:        t.get(row, "text"),
			Categories:  splitList(t.get(row, "categories")),
			Slots:       splitList(t.get(row, "slots")),
			Postcode:    t.get(row, "postcode"),
			HouseNumber: t.get(row, "house_number"),
			Location:    point(t, row, line, &errs),
			Contact:     wijkhelpt.Contact{Name: t.get(row, "name"), Phone: t.get(row, "phone")},
			// The organisation that hands over the file has the residents'
			// consent; it is recorded as given to a person, not on our form.
			Consent: wijkhelpt.ConsentVerbal,
		}
		if len(errs) > n {
			continue
		}
		req, _, err := imp.s.desk.PrepareRequest(ctx, in, wijkhelpt.ChannelImport, wijkhelpt.ActorImport, true)
		if err != nil {
			collect(line, err, &errs)
			continue
		}
		req.IdempotencyKey = requestImportKey(req)
		if seen[req.IdempotencyKey] {
			continue
		}
		seen[req.IdempotencyKey] = true
		good = append(good, req)
	}
	if err := imp.report(errs, len(t.rows)); err != nil {
		return err
	}
	inserted, err := imp.insert(ctx, len(good), "hulpvragen", func(from, to int) (int, error) {
		return imp.s.db.InsertRequests(ctx, good[from:to])
	})
	if err != nil {
		return err
	}
	imp.summary(len(t.rows), inserted, len(good)-inserted, start)
	return nil
}

// requestImportKey identifies an imported request across imports: the same
// resident asking the same thing at the same address.
func requestImportKey(r *wijkhelpt.Request) string {
	h := sha256.Sum256([]byte(r.Contact.Phone + "|" + r.Location.Postcode + "|" + r.Location.HouseNumber + "|" + r.Text))
	return "import:" + hex.EncodeToString(h[:12])
}

func (imp *importer) insert(ctx context.Context, n int, what string, batch func(from, to int) (int, error)) (int, error) {
	tick, done := progress(imp.io, what)
	defer done()
	inserted := 0
	for from := 0; from < n; from += importBatch {
		if err := ctx.Err(); err != nil {
			return inserted, err
		}
		to := min(from+importBatch, n)
		k, err := batch(from, to)
		inserted += k
		if err != nil {
			return inserted, fmt.Errorf("import stopped after %d new rows: %w", inserted, err)
		}
		tick(to, n)
	}
	return inserted, nil
}

func (imp *importer) summary(rows, inserted, existing int, start time.Time) {
	el := time.Since(start)
	rate := float64(rows) / el.Seconds()
	fmt.Fprintf(imp.io.out, "%d rijen gelezen: %d nieuw, %d stonden er al (%.0f rijen/s).\n", rows, inserted, existing, rate)
}
