package portal

import (
	"fmt"
	"html/template"
	"sort"
	"strings"

	"wijkhelpt"
)

// form is a form being filled in: what was typed, and what is wrong with
// it. On an error the page is shown again from it, so nothing typed is lost.
type form struct {
	lang   string
	values map[string][]string
	errs   map[string]wijkhelpt.Text
	// order lists the fields as they appear on the page, so the error
	// summary follows the page from top to bottom.
	order []string
	// Message is the summary's heading text for the error.
	Message string
	// Warning is a non-blocking notice, such as a likely duplicate.
	Warning string
}

func newForm(lang string, order ...string) *form {
	return &form{lang: lang, values: map[string][]string{}, errs: map[string]wijkhelpt.Text{}, order: order}
}

// Set records a field's value.
func (f *form) Set(name string, vals ...string) { f.values[name] = vals }

// Get returns a field's (first) value.
func (f *form) Get(name string) string {
	if v := f.values[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Has reports whether a multi-valued field (checkboxes) includes val.
func (f *form) Has(name, val string) bool {
	for _, v := range f.values[name] {
		if v == val {
			return true
		}
	}
	return false
}

// Is reports whether a field's value equals val (radio buttons, selects).
func (f *form) Is(name, val string) bool { return f.Get(name) == val }

// Fail records a domain error: its field errors go next to the fields, its
// message above them.
func (f *form) Fail(err error) {
	e := wijkhelpt.AsError(err)
	f.Message = e.Message.In(f.lang)
	for k, v := range e.Fields {
		f.errs[k] = v
	}
}

// AddError records one field's problem.
func (f *form) AddError(field string, msg wijkhelpt.Text) {
	if _, ok := f.errs[field]; !ok {
		f.errs[field] = msg
	}
	if f.Message == "" {
		f.Message = wijkhelpt.T("Niet alles is goed ingevuld. Kijk bij de velden hieronder.",
			"Some fields need your attention. See the fields below.").In(f.lang)
	}
}

// Failed reports whether anything is wrong.
func (f *form) Failed() bool { return f.Message != "" || len(f.errs) > 0 }

// Err returns a field's error in the form's language, or "".
func (f *form) Err(name string) string {
	if e, ok := f.errs[name]; ok {
		return e.In(f.lang)
	}
	return ""
}

// ID is the HTML id of a field: "contact.phone" becomes "f-contact-phone".
func (f *form) ID(name string) string { return fieldID(name) }

func fieldID(name string) string {
	return "f-" + strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(name)
}

// Aria returns the attributes that tie a field to its hint and its error,
// so screen readers read both when the field gets focus.
func (f *form) Aria(name string, hint bool) template.HTMLAttr {
	ids := []string{}
	if hint {
		ids = append(ids, fieldID(name)+"-hint")
	}
	attr := ""
	if f.Err(name) != "" {
		ids = append(ids, fieldID(name)+"-error")
		attr = `aria-invalid="true" `
	}
	if len(ids) > 0 {
		attr += `aria-describedby="` + template.HTMLEscapeString(strings.Join(ids, " ")) + `"`
	}
	return template.HTMLAttr(attr)
}

// summaryItem is one line of the error summary, linking to its field.
type summaryItem struct {
	Href string
	Text string
}

// Summary lists the errors in page order, each linking to its field.
// Errors for fields the page does not show come last, linking to the top
// of the form.
func (f *form) Summary() []summaryItem {
	seen := map[string]bool{}
	out := []summaryItem{}
	for _, name := range f.order {
		if e := f.Err(name); e != "" {
			out = append(out, summaryItem{Href: "#" + fieldID(name), Text: e})
			seen[name] = true
		}
	}
	rest := []string{}
	for name := range f.errs {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	for _, name := range rest {
		out = append(out, summaryItem{Href: "#form-start", Text: f.Err(name)})
	}
	return out
}

// option is one choice in a select, a radio group or a checkbox group.
type option struct {
	Value    string
	Label    string
	Note     string
	Selected bool
	Extra    template.HTMLAttr
}

// gridCell is one checkbox of the weekly availability grid.
type gridCell struct {
	ID, Value, Label string
	Selected         bool
}

// gridRow is one day of the grid.
type gridRow struct {
	Day   string
	Cells []gridCell
}

// fieldView is what the field partials in _form.html get: one field with
// its label, hint, value and error, already in the page's language.
type fieldView struct {
	P        *page
	Name     string
	ID       string
	Label    string
	Hint     string
	Type     string
	Auto     string
	Mode     string
	Class    string
	Extra    template.HTMLAttr
	Value    string
	Err      string
	Required bool
	Inline   bool
	Rows     int
	Options  []option
	Grid     []gridRow
}

// Aria ties the field to its hint and error.
func (f fieldView) Aria() template.HTMLAttr { return f.P.Form.Aria(f.Name, f.Hint != "") }

// field builds a fieldView for the partials from key/value pairs, such as
// (field $ "postcode" "label" "Postcode" "auto" "postal-code" "required" true).
// Unknown keys are template bugs and fail the page.
func field(p *page, name string, kv ...any) (fieldView, error) {
	if p.Form == nil {
		p.Form = newForm(p.Lang)
	}
	f := fieldView{P: p, Name: name, ID: fieldID(name), Type: "text", Rows: 5,
		Value: p.Form.Get(name), Err: p.Form.Err(name)}
	if len(kv)%2 != 0 {
		return f, fmt.Errorf("portal: field %s: odd number of arguments", name)
	}
	for i := 0; i < len(kv); i += 2 {
		k, _ := kv[i].(string)
		val := kv[i+1]
		str, _ := val.(string)
		switch k {
		case "label":
			f.Label = str
		case "hint":
			f.Hint = str
		case "type":
			f.Type = str
		case "auto":
			f.Auto = str
		case "mode":
			f.Mode = str
		case "class":
			f.Class = str
		case "extra":
			f.Extra = template.HTMLAttr(str)
		case "required":
			f.Required, _ = val.(bool)
		case "inline":
			f.Inline, _ = val.(bool)
		case "rows":
			f.Rows, _ = val.(int)
		case "options":
			opts, ok := val.([]option)
			if !ok {
				return f, fmt.Errorf("portal: field %s: options must be []option", name)
			}
			f.Options = opts
		case "value":
			f.Value = str
		default:
			return f, fmt.Errorf("portal: field %s: unknown key %q", name, k)
		}
	}
	// Options are a checkbox group (several may be chosen), or a radio group
	// or a select (the "select" partial takes no type): one value.
	for i := range f.Options {
		if f.Type == "checkbox" {
			f.Options[i].Selected = p.Form.Has(name, f.Options[i].Value)
		} else {
			f.Options[i].Selected = p.Form.Is(name, f.Options[i].Value)
		}
	}
	return f, nil
}

// slotGrid builds the weekly grid for a multi-valued slot field.
func slotGrid(p *page, name string, kv ...any) (fieldView, error) {
	f, err := field(p, name, kv...)
	if err != nil {
		return f, err
	}
	days := [7][2]string{{"maandag", "Monday"}, {"dinsdag", "Tuesday"}, {"woensdag", "Wednesday"},
		{"donderdag", "Thursday"}, {"vrijdag", "Friday"}, {"zaterdag", "Saturday"}, {"zondag", "Sunday"}}
	for d := 0; d < 7; d++ {
		row := gridRow{Day: p.T(days[d][0], days[d][1])}
		for part := 0; part < 3; part++ {
			s := wijkhelpt.SlotOf(d, part)
			id := fieldID(name) + "-" + s.String()
			if d == 0 && part == 0 {
				id = fieldID(name)
			}
			row.Cells = append(row.Cells, gridCell{
				ID: id, Value: s.String(), Selected: p.Form.Has(name, s.String()),
				Label: row.Day + " " + p.Part([3]string{"ochtend", "middag", "avond"}[part]),
			})
		}
		f.Grid = append(f.Grid, row)
	}
	return f, nil
}

// categoryOptions lists the taxonomy as options, with a note on those that
// need a VOG certificate.
func categoryOptions(p *page, vogNote bool) []option {
	out := []option{}
	for _, c := range wijkhelpt.Categories() {
		o := option{Value: c.Code, Label: c.Label.In(p.Lang)}
		if vogNote && c.NeedsVOG {
			o.Note = p.T("(VOG nodig)", "(VOG needed)")
		}
		out = append(out, o)
	}
	return out
}

// fillForm copies submitted values into a form, trimming nothing: what
// was typed comes back exactly as typed.
func fillForm(f *form, values map[string][]string) {
	for k, v := range values {
		if strings.HasPrefix(k, "_") {
			continue
		}
		f.values[k] = append([]string(nil), v...)
	}
}

// sortedKeys is for stable output in tests and summaries.
func sortedKeys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CategoryChoices is the category select: "let us choose" and the taxonomy.
func (p *page) CategoryChoices() []option {
	return append([]option{{Value: "", Label: p.T("Weet ik niet, kies het voor mij", "Not sure, choose for me")}},
		categoryOptions(p, false)...)
}

// WhenChoices are the three ways to say when help is wanted.
func (p *page) WhenChoices() []option {
	return []option{
		{Value: "flexible", Label: p.T("Het maakt niet uit, in overleg", "Any time, to be agreed")},
		{Value: "date", Label: p.T("Op één dag", "On one day")},
		{Value: "weekly", Label: p.T("Elke week, op vaste dagdelen", "Every week, at fixed times")},
	}
}

// DayPartChoices are the parts of a day, or the whole day.
func (p *page) DayPartChoices() []option {
	return []option{
		{Value: "", Label: p.T("Maakt niet uit", "Any time of day")},
		{Value: "ochtend", Label: p.T("Ochtend (8 tot 12 uur)", "Morning (8 to 12)")},
		{Value: "middag", Label: p.T("Middag (12 tot 17 uur)", "Afternoon (12 to 17)")},
		{Value: "avond", Label: p.T("Avond (17 tot 21 uur)", "Evening (17 to 21)")},
	}
}

// ForChoices asks whether the help is for the person filling in the form.
func (p *page) ForChoices() []option {
	return []option{
		{Value: "self", Label: p.T("voor mezelf", "for myself")},
		{Value: "other", Label: p.T("voor iemand anders", "for someone else")},
	}
}

// ConsentChoices is the resident's consent on the web form.
func (p *page) ConsentChoices() []option {
	return []option{{Value: wijkhelpt.ConsentWeb, Label: p.T(
		"Ik geef WijkHelpt toestemming om deze gegevens te gebruiken voor deze hulpvraag. Een vrijwilliger krijgt het adres pas als hij of zij ja zegt.",
		"I allow WijkHelpt to use these details for this request. A volunteer gets the address only after saying yes.")}}
}

// KindChoices asks whether someone signs up as a person or for an organisation.
func (p *page) KindChoices() []option {
	return []option{
		{Value: wijkhelpt.OfferVolunteer, Label: p.T("als vrijwilliger", "as a volunteer")},
		{Value: wijkhelpt.OfferOrganisation, Label: p.T("namens een organisatie", "on behalf of an organisation")},
	}
}

// TransportChoices are the ways a volunteer travels.
func (p *page) TransportChoices() []option {
	return []option{
		{Value: "walk", Label: p.T("lopend", "on foot")},
		{Value: "bike", Label: p.T("fiets", "bike")},
		{Value: "car", Label: p.T("auto", "car")},
	}
}

// UrgentChoices marks a request as urgent.
func (p *page) UrgentChoices() []option {
	return []option{{Value: "1", Label: p.T("Dit is dringend (binnen twee dagen)", "This is urgent (within two days)")}}
}

// VerbalConsentChoices records the caller's spoken consent.
func (p *page) VerbalConsentChoices() []option {
	return []option{{Value: wijkhelpt.ConsentVerbal, Label: p.T(
		"De beller gaf mondeling toestemming om deze gegevens te gebruiken voor de hulpvraag.",
		"The caller gave verbal consent to use these details for the request.")}}
}

// DupChoices confirms a new request from a number that already has one.
func (p *page) DupChoices() []option {
	return []option{{Value: "1", Label: p.T("Toch opslaan: dit is een nieuwe, andere hulpvraag", "Save anyway: this is a new, different request")}}
}

// Channel names how a request came in.
func (p *page) Channel(ch string) string {
	switch ch {
	case wijkhelpt.ChannelWeb:
		return p.T("via de website", "through the website")
	case wijkhelpt.ChannelPhone:
		return p.T("via de telefoon", "by phone")
	case wijkhelpt.ChannelAPI:
		return p.T("via de API", "through the API")
	case wijkhelpt.ChannelImport:
		return p.T("via een import", "by import")
	}
	return ch
}

// Consent names how the resident agreed.
func (p *page) Consent(c string) string {
	switch c {
	case wijkhelpt.ConsentWeb:
		return p.T("op de website", "on the website")
	case wijkhelpt.ConsentVerbal:
		return p.T("mondeling", "verbal")
	}
	return c
}

// RoleChoices are the roles an administrator can give.
func (p *page) RoleChoices() []option {
	return []option{
		{Value: string(wijkhelpt.RoleVolunteer), Label: p.T("vrijwilliger", "volunteer")},
		{Value: string(wijkhelpt.RolePhone), Label: p.T("telefoonteam", "phone staff")},
		{Value: string(wijkhelpt.RoleMediator), Label: p.T("bemiddelaar", "mediator")},
		{Value: string(wijkhelpt.RoleAdmin), Label: p.T("beheerder", "administrator")},
	}
}

// VOGValid reports whether a VOG of the given date counts today.
func (p *page) VOGValid(today, vogDate string) bool {
	o := wijkhelpt.Offer{VOGDate: vogDate}
	return o.VOGValid(today)
}
