package portal

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"mime"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"wijkhelpt"
)

// The templates and static files are compiled into the binary, so a running
// portal never depends on files beside it.
var (
	//go:embed templates/*.html
	templateFiles embed.FS
	//go:embed static
	staticFiles embed.FS
)

// assetCacheControl lets browsers keep static files for a year: their URLs
// change whenever their content does.
const assetCacheControl = "public, max-age=31536000, immutable"

// asset is one static file with the content-hashed URL it is served at.
type asset struct {
	url         string // "/static/app.3f2a9c1b.css"
	body        []byte
	contentType string
}

// views holds every page template, parsed once at start, and the static
// files with their hashed URLs. It is read-only after newViews.
type views struct {
	pages     map[string]*template.Template
	assets    map[string]*asset // by file name, "app.css"
	byURL     map[string]*asset // by hashed URL
	deskPhone string
	deskTel   string // the desk's number for tel: links, "+31343745000"
}

// newViews parses every template and hashes every static file. A broken
// template is an error here, so that the portal does not start with it.
func newViews(deskPhone string) (*views, error) {
	v := &views{
		pages:     map[string]*template.Template{},
		assets:    map[string]*asset{},
		byURL:     map[string]*asset{},
		deskPhone: strings.TrimSpace(deskPhone),
		deskTel:   telURI(deskPhone),
	}
	if err := v.loadAssets(); err != nil {
		return nil, err
	}
	if err := v.parse(); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *views) loadAssets() error {
	return fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFiles.ReadFile(p)
		if err != nil {
			return fmt.Errorf("portal: read %s: %w", p, err)
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		a := &asset{
			url:         "/static/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext,
			body:        body,
			contentType: mime.TypeByExtension(ext),
		}
		if a.contentType == "" {
			a.contentType = "application/octet-stream"
		}
		v.assets[name] = a
		v.byURL[a.url] = a
		return nil
	})
}

// parse builds one template set per page: the shared layout and partials
// plus the page's own file, which defines "title" and "content".
func (v *views) parse() error {
	funcs := template.FuncMap{
		"asset":           v.assetURL,
		"field":           field,
		"slotgrid":        slotGrid,
		"categoryOptions": categoryOptions,
		"attention":       attentionName,
		"item":            func(p *page, x any) itemView { return itemView{P: p, I: x} },
	}
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFiles, "templates/_*.html")
	if err != nil {
		return fmt.Errorf("portal: parse layout: %w", err)
	}
	files, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return err
		}
		if _, err := t.ParseFS(templateFiles, f); err != nil {
			return fmt.Errorf("portal: parse %s: %w", f, err)
		}
		if t.Lookup("content") == nil || t.Lookup("title") == nil {
			return fmt.Errorf("portal: %s must define \"title\" and \"content\"", f)
		}
		v.pages[name] = t
	}
	return nil
}

// itemView hands a partial the page and one item of a list.
type itemView struct {
	P *page
	I any
}

// assetURL returns the hashed URL of a static file. An unknown name is a
// bug in a template; it fails the page rather than linking to nothing.
func (v *views) assetURL(name string) (string, error) {
	a, ok := v.assets[name]
	if !ok {
		return "", fmt.Errorf("portal: no static file %q", name)
	}
	return a.url, nil
}

// serveAsset serves a static file by its hashed URL with long caching. Old
// hashes are gone after a deploy; browsers then get a 404 for a file they
// should no longer ask for.
func (v *views) serveAsset(c *fiber.Ctx) error {
	a, ok := v.byURL[c.Path()]
	if !ok {
		return errNoRoute
	}
	c.Set(fiber.HeaderContentType, a.contentType)
	c.Set(fiber.HeaderCacheControl, assetCacheControl)
	return c.Send(a.body)
}

// telURI turns a Dutch phone number as people write it ("0343-745 000")
// into the international form for tel: links ("+31343745000").
func telURI(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		if unicode.IsDigit(r) || (r == '+' && b.Len() == 0) {
			b.WriteRune(r)
		}
	}
	s := b.String()
	switch {
	case strings.HasPrefix(s, "+"):
		return s
	case strings.HasPrefix(s, "00"):
		return "+" + s[2:]
	case strings.HasPrefix(s, "0"):
		return "+31" + s[1:]
	}
	return s
}

// page is what every template gets: who is looking, in which language, the
// form being filled in and the page's own data in D.
type page struct {
	Lang      string
	Title     string
	Section   string // the navigation item to mark as current
	Role      wijkhelpt.Role
	LoggedIn  bool
	UserName  string
	CSRF      string
	DeskPhone string
	DeskTel   string
	// Path is the current path, for the language switch and the login link.
	Path  string
	Flash string
	Form  *form
	D     any
}

// T picks the Dutch or English text for the page's language. Templates
// write both side by side, so a text is never missing in one of them.
func (p *page) T(nl, en string) string {
	if p.Lang == "en" {
		return en
	}
	return nl
}

// Tx renders a domain text in the page's language.
func (p *page) Tx(t wijkhelpt.Text) string { return t.In(p.Lang) }

// OtherLang is the language the switch offers.
func (p *page) OtherLang() string {
	if p.Lang == "en" {
		return "nl"
	}
	return "en"
}

// Cat is a category's label in the page's language.
func (p *page) Cat(code string) string { return wijkhelpt.CategoryLabel(code, p.Lang) }

// Cats joins category labels.
func (p *page) Cats(codes []string) string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		out = append(out, p.Cat(c))
	}
	return strings.Join(out, ", ")
}

// Categories is the taxonomy for pickers.
func (p *page) Categories() []wijkhelpt.Category { return wijkhelpt.Categories() }

// Slot is a week slot's label ("di-ochtend", "Tue morning").
func (p *page) Slot(s string) string {
	if sl, ok := wijkhelpt.ParseSlot(s); ok {
		return sl.Label(p.Lang)
	}
	return s
}

// Slots joins slot labels, or says "flexible" for none.
func (p *page) Slots(ss []string) string {
	if len(ss) == 0 {
		return p.T("flexibel", "flexible")
	}
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, p.Slot(s))
	}
	return strings.Join(out, ", ")
}

// Date writes a YYYY-MM-DD date for people.
func (p *page) Date(s string) string {
	if d, ok := wijkhelpt.ParseDate(s); ok && s != "" {
		return wijkhelpt.DayLabel(d, p.Lang)
	}
	return s
}

// When says when help is wanted: a date with part of day, weekly slots or flexible.
func (p *page) When(r *wijkhelpt.Request) string {
	if r.Date != "" {
		s := p.Date(r.Date)
		if r.DayPart != "" {
			s += " " + p.Part(r.DayPart)
		}
		return s
	}
	if len(r.Slots) > 0 {
		return p.T("elke week: ", "every week: ") + p.Slots(r.Slots)
	}
	return p.T("in overleg, het moment maakt niet uit", "flexible, any time")
}

// Part is a part of the day in the page's language.
func (p *page) Part(part string) string {
	switch part {
	case "ochtend":
		return p.T("ochtend", "morning")
	case "middag":
		return p.T("middag", "afternoon")
	case "avond":
		return p.T("avond", "evening")
	}
	return part
}

// Time writes a moment in the desk's time zone.
func (p *page) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(wijkhelpt.Amsterdam())
	if p.Lang == "en" {
		return t.Format("2 Jan 2006, 15:04")
	}
	months := [12]string{"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"}
	return fmt.Sprintf("%d %s %d, %s", t.Day(), months[t.Month()-1], t.Year(), t.Format("15:04"))
}

// Km writes a distance: "1,2 km" in Dutch, "1.2 km" in English.
func (p *page) Km(km float64) string {
	s := wijkhelpt.FormatKm(km)
	if p.Lang == "en" {
		s = strings.Replace(s, ",", ".", 1)
	}
	return s + " km"
}

// Num writes a decimal number the local way, with at most two decimals.
func (p *page) Num(f float64) string {
	s := strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
	if p.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Pct writes a score in [0, 1] as a whole percentage.
func (p *page) Pct(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// Status is a request state in plain words.
func (p *page) Status(s wijkhelpt.RequestStatus) string { return p.Tx(requestStateName(s)) }

// MatchState is a match state in plain words.
func (p *page) MatchState(s wijkhelpt.MatchStatus) string { return p.Tx(matchStateName(s)) }

// render executes a page into a buffer first, so that a template error
// becomes a clean error page instead of half a page.
func (v *views) render(c *fiber.Ctx, status int, name string, p *page) error {
	t, ok := v.pages[name]
	if !ok {
		return fmt.Errorf("portal: no page template %q", name)
	}
	p.DeskPhone, p.DeskTel = v.deskPhone, v.deskTel
	if p.Lang != "en" {
		p.Lang = "nl"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("portal: render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Content-Language", p.Lang)
	return c.Status(status).Send(buf.Bytes())
}
