package matching

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"wijkhelpt"
)

// kmText writes a distance for people: "1,2 km" and "1.2 km".
func kmText(km float64) wijkhelpt.Text {
	return wijkhelpt.T(wijkhelpt.FormatKm(km)+" km", strconv.FormatFloat(km, 'f', 1, 64)+" km")
}

// limitText writes a distance limit: "5 km", or "2,5 km" when it is not whole.
func limitText(km float64) wijkhelpt.Text {
	if km == math.Trunc(km) && km < 1e6 {
		n := strconv.Itoa(int(km))
		return wijkhelpt.T(n+" km", n+" km")
	}
	return kmText(km)
}

// categoryList writes category codes as lower-case labels joined by word:
// "tuin of klussen in huis".
func categoryList(codes []string, nlWord, enWord string) wijkhelpt.Text {
	var nl, en []string
	for _, c := range codes {
		nl = append(nl, strings.ToLower(wijkhelpt.CategoryLabel(c, "nl")))
		en = append(en, strings.ToLower(wijkhelpt.CategoryLabel(c, "en")))
	}
	return wijkhelpt.T(joinWords(nl, nlWord), joinWords(en, enWord))
}

// joinWords writes "a, b en c".
func joinWords(items []string, word string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + word + " " + items[len(items)-1]
}

// codes lists the category codes in a mask, in taxonomy order.
func (e *Engine) codes(mask uint32) []string {
	var out []string
	for m := mask; m != 0; m &= m - 1 {
		out = append(out, e.catCodes[bits.TrailingZeros32(m)])
	}
	return out
}

// reasons are the plain-language phrases that explain a suggestion, one
// per part of the score: "1,2 km · boodschappen · di-ochtend vrij · 0 van 2
// taken · hielp eerder bij deze bewoner".
func (e *Engine) reasons(q *query, f *fact, o outcome) []wijkhelpt.Text {
	out := []wijkhelpt.Text{kmText(o.d)}
	counted := q.counted(f)
	out = append(out, categoryList(e.codes(counted), "en", "and"))
	if counted&q.vogMask != 0 {
		out = append(out, wijkhelpt.T("VOG geldig", "valid VOG"))
	}
	switch shared := q.slots & f.slots; {
	case q.slots == 0:
		out = append(out, wijkhelpt.T("tijd in overleg", "time flexible"))
	case f.slots == 0:
		out = append(out, wijkhelpt.T("beschikbaarheid niet opgegeven", "availability not given"))
	default:
		var nl, en []string
		for i, s := range shared.Slots() {
			if i == 3 {
				more := strconv.Itoa(shared.Len() - 3)
				nl = append(nl, more+" andere")
				en = append(en, more+" more")
				break
			}
			nl = append(nl, s.Label("nl"))
			en = append(en, s.Label("en"))
		}
		out = append(out, wijkhelpt.T(joinWords(nl, "en")+" vrij", "free "+joinWords(en, "and")))
	}
	open, capacity := strconv.Itoa(int(f.open)), strconv.Itoa(int(f.capacity))
	out = append(out, wijkhelpt.T(open+" van "+capacity+" taken", open+" of "+capacity+" tasks"))
	if o.parts.Continuity == 1 {
		out = append(out, wijkhelpt.T("hielp eerder bij deze bewoner", "helped this resident before"))
	}
	return out
}

// WhyNone explains the result in one plain-language sentence, Dutch and
// English, as a funnel over the hard constraints: "Geen suggesties: 40 van
// 45 actief, 3 binnen 5 km, 0 met categorie tuin." It stops at the first
// constraint that leaves nobody, so the mediator sees what to widen or whom
// to recruit. With suggestions it describes the whole funnel, without the
// "Geen suggesties" opening.
func (r Result) WhyNone() wijkhelpt.Text {
	w := r.why
	nlHead, enHead := "", ""
	if len(r.Suggestions) == 0 {
		nlHead, enHead = "Geen suggesties: ", "No suggestions: "
	}
	switch {
	case !w.located:
		return wijkhelpt.T(nlHead+"deze hulpvraag heeft geen locatie. Vul postcode en huisnummer in.",
			enHead+"this request has no location. Enter the postcode and house number.")
	case len(w.cats) == 0:
		return wijkhelpt.T(nlHead+"deze hulpvraag heeft nog geen categorie. Kies er een.",
			enHead+"this request has no category yet. Choose one.")
	case w.total == 0:
		return wijkhelpt.T(nlHead+"er zijn nog geen vrijwilligers ingeschreven.",
			enHead+"no volunteers have registered yet.")
	}
	x := r.Excluded
	reach := wijkhelpt.T("binnen hun reisafstand", "within their travel distance")
	if w.maxKm > 0 {
		km := limitText(w.maxKm)
		reach = wijkhelpt.T("binnen "+km.NL, "within "+km.EN)
	}
	cats := categoryList(w.cats, "of", "or")
	stages := []struct {
		removed int
		always  bool
		nl, en  string
	}{
		{x.Inactive, true, "actief", "active"},
		{x.Distance, true, reach.NL, reach.EN},
		{x.Category, true, "met categorie " + cats.NL, "for " + cats.EN},
		{x.Slots, false, "vrij op het gevraagde moment", "free at the requested time"},
		{x.Capacity, false, "met ruimte voor een taak", "with room for another task"},
		{x.VOG, false, "met een geldige VOG", "with a valid VOG"},
		{x.Excluded, false, "niet afgewezen of uitgesloten", "not declined or excluded"},
		{x.Away, false, "niet afwezig", "not away"},
	}
	left := w.total
	var nl, en []string
	for i, s := range stages {
		if !s.always && s.removed == 0 {
			continue
		}
		left -= s.removed
		n := strconv.Itoa(left)
		if i == 0 {
			total := strconv.Itoa(w.total)
			nl = append(nl, n+" van "+total+" "+s.nl)
			en = append(en, n+" of "+total+" "+s.en)
		} else {
			nl = append(nl, n+" "+s.nl)
			en = append(en, n+" "+s.en)
		}
		if left <= 0 {
			break
		}
	}
	return wijkhelpt.T(nlHead+strings.Join(nl, ", ")+".", enHead+strings.Join(en, ", ")+".")
}

// refusal explains why offer num may not be confirmed for the request.
func (e *Engine) refusal(q *query, num int32, o outcome) error {
	f := &e.facts[num]
	n := e.info[num].name
	var msg wijkhelpt.Text
	switch o.verdict {
	case failInactive:
		switch {
		case f.flags&flagActive == 0:
			msg = wijkhelpt.T(n+" heeft het aanbod gepauzeerd.", n+" has paused their offer.")
		case f.flags&flagSuspended != 0:
			msg = wijkhelpt.T(n+" is geschorst en kan nu niet gevraagd worden.", n+" is suspended and cannot be asked now.")
		default:
			msg = wijkhelpt.T(n+" heeft zich afgemeld voor sms en antwoordt niet in het portaal.",
				n+" has opted out of SMS and does not answer in the portal.")
		}
	case failDistance:
		switch {
		case !q.located:
			msg = wijkhelpt.T("Deze hulpvraag heeft geen locatie. Vul postcode en huisnummer in.",
				"This request has no location. Enter the postcode and house number.")
		case f.flags&flagNoPoint != 0:
			msg = wijkhelpt.T("Van "+n+" is geen locatie bekend.", "No location is known for "+n+".")
		default:
			d, lim := kmText(o.d), limitText(o.dmax)
			msg = wijkhelpt.T(n+" woont "+d.NL+" weg; de grens is "+lim.NL+".",
				n+" lives "+d.EN+" away; the limit is "+lim.EN+".")
		}
	case failCategory:
		c := categoryList(e.codes(q.cats), "of", "or")
		msg = wijkhelpt.T(n+" helpt niet bij "+c.NL+".", n+" does not help with "+c.EN+".")
	case failSlots:
		msg = wijkhelpt.T(n+" is niet vrij op het gevraagde moment.", n+" is not free at the requested time.")
	case failCapacity:
		open, capacity := strconv.Itoa(int(f.open)), strconv.Itoa(int(f.capacity))
		msg = wijkhelpt.T(n+" heeft al "+open+" van "+capacity+" taken.", n+" already has "+open+" of "+capacity+" tasks.")
	case failVOG:
		c := categoryList(e.codes(q.cats&f.cats&q.vogMask), "en", "and")
		msg = wijkhelpt.T("Voor "+c.NL+" is een geldige VOG nodig, en die heeft "+n+" niet.",
			"Helping with "+c.EN+" needs a valid VOG certificate, which "+n+" does not have.")
	case failExcluded:
		msg = wijkhelpt.T(n+" is al gevraagd, heeft deze vraag afgewezen of niet beantwoord, of is uitgesloten door een bemiddelaar.",
			n+" has already been asked, declined or did not answer this request, or was excluded by a mediator.")
	case failAway:
		msg = wijkhelpt.T(n+" is afwezig op "+dayText(q.day, "nl")+".", n+" is away on "+dayText(q.day, "en")+".")
	}
	return wijkhelpt.Conflict(msg)
}

// dayText writes a YYYYMMDD day for people: "dinsdag 24 november".
func dayText(day int32, lang string) string {
	t := time.Date(int(day/10000), time.Month(day/100%100), int(day%100), 12, 0, 0, 0, wijkhelpt.Amsterdam())
	return wijkhelpt.DayLabel(t, lang)
}
