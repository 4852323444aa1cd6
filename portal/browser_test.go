package portal_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"wijkhelpt"
	"wijkhelpt/notify"
	"wijkhelpt/notify/twiliotest"
	"wijkhelpt/portal"
)

// The browser test drives a real Chromium through each role's main path on
// a real portal: the fixture's embedded store, geo, classifier and matching
// engine, and the notify package sending through its Twilio double, all
// served on a local port. Every page it passes is checked for basic
// accessibility (a language, a label per field, targets of 44 by 44 pixels,
// no sideways scrolling at 200% zoom; on some, a visible focus on everything
// the Tab key reaches) and photographed into testdata/screenshots/.
//
// Every browser step is bounded (wait), and so are starting Chromium and
// stopping the site: a broken page or browser fails the test, never hangs it.

// screenshotDir holds the screenshots; it is git-ignored.
const screenshotDir = "testdata/screenshots"

// readmeImages is where the README's pictures live. The browser test
// writes them only when WIJKHELPT_UPDATE_SCREENSHOTS=1, so that an
// ordinary test run leaves the tracked files alone:
//
//	WIJKHELPT_UPDATE_SCREENSHOTS=1 go test -run TestBrowser ./portal/
const readmeImages = "../docs/img"

// chromiumPath finds Debian's Chromium. The browser tests need it: `make
// test` (see the README) installs it when it is missing.
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	tb.Fatal("chromium not found: the browser tests drive a real Chromium. Run the README's test command " +
		"(`make test`), which installs Debian's chromium, or `apt-get install -y chromium`.")
	return ""
}

// site is the portal under test with the browser that drives it.
type site struct {
	t       *testing.T
	f       *Fixture
	tw      *twiliotest.Server
	base    string
	browser context.Context
	start   time.Time
}

// startSite serves the portal on 127.0.0.1:0 with its background work
// running (SMS relay and dispatch, the matching engine following the
// store), and starts Chromium.
func startSite(t *testing.T) *site {
	t.Helper()
	chromium := chromiumPath(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	tw := twiliotest.New(t)
	var n *notify.Notifier
	f := NewFixture(t, func(d *portal.Deps) { d.PublicURL = base }, WithNotifier(t, tw, &n))

	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.App.Listener(ln) }()
	done := make(chan struct{}, 2)
	go func() { _ = n.Run(ctx); done <- struct{}{} }()
	fl := wijkhelpt.NewFollower(f.DB, wijkhelpt.FollowerOptions{Every: 50 * time.Millisecond}, f.Engine)
	go func() { _ = fl.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if !within(10*time.Second, done) {
				t.Errorf("background work did not stop within 10s")
				break
			}
		}
		if err := f.App.ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("the server did not stop within 10s")
		}
	})

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	// The first Run starts Chromium and must not carry a timeout (the
	// browser would live only as long as it): it is bounded from outside,
	// and cancelling the allocator kills a browser that hangs.
	if err := startBounded(browser, func() { cancelBrowser(); cancelAlloc() }); err != nil {
		t.Fatalf("start chromium %s: %v", chromium, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &site{t: t, f: f, tw: tw, base: base, browser: browser, start: time.Now()}
}

// startBounded makes the first Run on a chromedp context (which starts
// the browser or opens the tab), giving up after a minute: then it calls
// stop, which must end what hangs, and reports the hang.
func startBounded(ctx context.Context, stop func()) error {
	errc := make(chan error, 1)
	go func() { errc <- chromedp.Do(ctx) }()
	select {
	case err := <-errc:
		return err
	case <-time.After(time.Minute):
		stop()
		return errors.New("no answer within a minute")
	}
}

// within reports whether c delivers within d.
func within[T any](d time.Duration, c <-chan T) bool {
	select {
	case <-c:
		return true
	case <-time.After(d):
		return false
	}
}

// tab is one person's browser: a browser context of its own, so that
// cookies and sessions are not shared between the people of a test.
type tab struct {
	s    *site
	who  string
	ctx  context.Context
	shot int
}

func (s *site) tab(who string) *tab {
	ctx, cancel := chromedp.NewContext(s.browser, chromedp.WithNewBrowserContext())
	s.t.Cleanup(cancel)
	tb := &tab{s: s, who: who, ctx: ctx}
	// The first Run on a context opens its tab and ties the tab's life to the
	// context it is given, so it must not be a step's timeout context (the
	// tab would close when the step ends); startBounded bounds it instead.
	if err := startBounded(ctx, cancel); err != nil {
		s.t.Fatalf("open a tab for %s: %v", who, err)
	}
	tb.do(chromedp.EmulateViewport(1280, 900))
	return tb
}

// wait bounds every browser step, so a missing element fails the test with
// the step that waited rather than hanging until the test times out.
const wait = 15 * time.Second

func (b *tab) fatalf(format string, args ...any) {
	b.s.t.Helper()
	// The browser may be what failed: every look at it here is bounded too.
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		loc = "(unknown: " + err.Error() + ")"
	}
	b.screenshot(b.who + "-failure")
	b.s.t.Fatalf("%s at %s: %s", b.who, loc, fmt.Sprintf(format, args...))
}

func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.s.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, wait)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fatalf("%v", err)
	}
}

func run[T any](b *tab, a chromedp.Action[T]) T {
	b.s.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, wait)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fatalf("%v", err)
	}
	return v
}

// open loads a page of the portal.
func (b *tab) open(path string) {
	b.s.t.Helper()
	b.do(chromedp.Navigate(b.s.base+path), chromedp.WaitReady(chromedp.CSS("footer")))
}

// js evaluates an expression.
func js[T any](b *tab, expr string) T {
	b.s.t.Helper()
	return run(b, chromedp.Evaluate[T](expr))
}

// text is the visible text of the first element matching a CSS selector.
func (b *tab) text(sel string) string {
	b.s.t.Helper()
	return run(b, chromedp.Text(chromedp.CSS(sel)))
}

// until waits for a JavaScript condition to become true.
func (b *tab) until(what, cond string) {
	b.s.t.Helper()
	// The condition is asked again and again from here rather than polled
	// inside the page (chromedp.Poll), because a page that navigates away
	// takes an in-page poll with it: errors while a new page loads are
	// expected and only the last one is reported.
	deadline := time.Now().Add(wait)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	b.fatalf("waiting for %s: %v", what, last)
}

// fill types into a field by its id, replacing what was there.
func (b *tab) fill(id, value string) {
	b.s.t.Helper()
	// chromedp's SetValue cannot set an empty value (it reads the result
	// back and takes "" for a failure), so the field is emptied by script.
	if !js[bool](b, `(e => { if (!e) return false; e.value = ""; e.dispatchEvent(new Event("input", {bubbles: true})); return true })(document.getElementById(`+strconv.Quote(id)+`))`) {
		b.fatalf("no field %s", id)
	}
	b.insert(id, value)
}

// insert puts text into a field at the cursor as the browser's text input
// does (the page sees input events), in one step rather than a key event per
// character: typing key by key costs a round trip per key. The phone intake,
// where the keys themselves matter, uses typeAt.
func (b *tab) insert(id, text string) {
	b.s.t.Helper()
	b.do(chromedp.Focus(chromedp.ID(id)), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
		return err
	}))
}

// submit clicks a button and waits until the page it leads to has a
// different path or a newer load (POSTs that answer with the form again).
func (b *tab) submit(sel string) {
	b.s.t.Helper()
	js[bool](b, `window.__old = true`)
	b.do(chromedp.Click(chromedp.CSS(sel)))
	b.until("the next page", `!window.__old && document.readyState === "complete"`)
}

// a11yScript lists accessibility problems a script can see: no language, a
// field without a label, a target smaller than 44 by 44 CSS pixels, an id
// used twice, a description that points nowhere.
const a11yScript = `(() => {
  const problems = [];
  const lang = document.documentElement.lang;
  if (lang !== "nl" && lang !== "en") problems.push("html lang is " + JSON.stringify(lang));
  const seen = {};
  document.querySelectorAll("[id]").forEach(e => { if (seen[e.id]) problems.push("duplicate id " + e.id); seen[e.id] = true; });
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  document.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(e => {
    const label = (e.id && document.querySelector('label[for="' + CSS.escape(e.id) + '"]')) || e.closest("label") ||
      e.getAttribute("aria-label") || e.getAttribute("aria-labelledby");
    if (!label) problems.push("field without label: " + (e.name || e.id));
    if (!visible(e)) return;
    let r = e.getBoundingClientRect();
    if (e.type === "checkbox" || e.type === "radio") {
      const l = document.querySelector('label[for="' + CSS.escape(e.id) + '"]');
      const box = e.closest(".choice") || (l && l.closest("td")) || l;
      if (box) r = box.getBoundingClientRect();
    }
    if (r.height < 44 || r.width < 44) problems.push("small field " + (e.name || e.id) + ": " + Math.round(r.width) + "x" + Math.round(r.height));
  });
  document.querySelectorAll("button, .button, summary, nav a, .helpline-number, .lang-switch").forEach(e => {
    if (!visible(e)) return;
    const r = e.getBoundingClientRect();
    if (r.height < 44 || r.width < 44) problems.push("small target " + JSON.stringify(e.textContent.trim().slice(0, 40)) + ": " + Math.round(r.width) + "x" + Math.round(r.height));
  });
  document.querySelectorAll("[aria-describedby]").forEach(e => e.getAttribute("aria-describedby").split(/\s+/).forEach(id => {
    if (id && !document.getElementById(id)) problems.push("aria-describedby points to missing " + id);
  }));
  if (!document.querySelector("h1")) problems.push("no h1");
  if (!document.querySelector('a[href^="tel:"].helpline-number')) problems.push("no help desk number in the header");
  return problems;
})()`

// check runs the accessibility checks, checks that the page does not
// scroll sideways at 200% zoom (a 1280 pixel window at 200% is 640 CSS
// pixels wide), and takes a full-page screenshot.
func (b *tab) check(name string) {
	b.s.t.Helper()
	b.s.t.Logf("%6.1fs %s", time.Since(b.s.start).Seconds(), name)
	if problems := js[[]string](b, a11yScript); len(problems) > 0 {
		b.screenshot(name)
		b.fatalf("page %s: accessibility problems:\n  %s", name, strings.Join(problems, "\n  "))
	}
	b.do(chromedp.EmulateViewport(640, 450, chromedp.EmulateScale(2)))
	wide := js[int](b, `document.documentElement.scrollWidth - document.documentElement.clientWidth`)
	if wide > 0 {
		b.screenshot(name + "-zoom200")
		offenders := js[[]string](b, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + "." + e.className + "#" + e.id)`)
		b.fatalf("page %s scrolls sideways by %d px at 200%% zoom; too wide: %v", name, wide, offenders)
	}
	b.do(chromedp.EmulateViewport(1280, 900))
	b.screenshot(name)
}

// focusScript describes how the focused element shows its focus: "" when
// its look changes with the focus (outline, shadow, background, colour or
// underline: something a sighted keyboard user can see), else what lacks it.
// It compares the element focused and unfocused, so that a shadow a button
// always has does not count as a focus indicator.
const focusScript = `(() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "nothing focused";
  const look = () => { const st = getComputedStyle(e);
    return [st.outlineStyle, st.outlineWidth, st.boxShadow, st.backgroundColor, st.color, st.textDecorationLine].join("|"); };
  const focused = look();
  e.blur();
  const unfocused = look();
  e.focus();
  const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " " + JSON.stringify((e.textContent || e.name || "").trim().slice(0, 30));
  if (document.activeElement !== e) return "focus lost on " + name;
  return focused !== unfocused ? "" : "no visible focus on " + name;
})()`

// checkFocus presses Tab n times from the top of the page and checks that
// every element the keyboard reaches shows that it has the focus. It moves
// the focus, so it runs after the steps that rely on where the focus is.
func (b *tab) checkFocus(name string, n int) {
	b.s.t.Helper()
	js[bool](b, `(document.activeElement && document.activeElement.blur(), window.scrollTo(0, 0), true)`)
	var problems []string
	for i := 0; i < n; i++ {
		b.do(chromedp.KeyEvent("\t"))
		if p := js[string](b, focusScript); p != "" {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		b.screenshot(name + "-focus")
		b.fatalf("page %s: %s", name, strings.Join(problems, "; "))
	}
}

// readmeImage writes what the window shows (not the whole page, to keep
// the file small) as one of the README's pictures, when asked to.
func (b *tab) readmeImage(name string) {
	b.s.t.Helper()
	if os.Getenv("WIJKHELPT_UPDATE_SCREENSHOTS") != "1" {
		return
	}
	js[bool](b, `(document.activeElement && document.activeElement.blur(), window.scrollTo(0, 0), true)`)
	png := run(b, chromedp.CaptureScreenshot())
	if err := os.MkdirAll(readmeImages, 0o755); err != nil {
		b.s.t.Fatal(err)
	}
	file := filepath.Join(readmeImages, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.s.t.Fatal(err)
	}
	b.s.t.Logf("wrote %s (%d bytes)", file, len(png))
}

func (b *tab) screenshot(name string) {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.s.t.Logf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(screenshotDir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.s.t.Errorf("write %s: %v", file, err)
	}
}

// login logs in through the login page with the fixture's password.
func (b *tab) login(email, landing string) {
	b.s.t.Helper()
	b.open("/inloggen")
	b.fill("f-email", email)
	b.fill("f-password", TestPassword)
	b.submit(`button[type="submit"].button`)
	if got := js[string](b, `location.pathname`); got != landing {
		b.fatalf("after login at %s, want %s", got, landing)
	}
}

var statusLink = regexp.MustCompile(`/r/([0-9a-f]{32})`)

// TestBrowser walks every role's main path in one story: a resident asks
// for help and follows their status link; phone staff enter a request for a
// caller without a mobile phone, keyboard only; a volunteer registers; a
// mediator reads the suggestions' reasons and confirms; the volunteer says
// yes in the portal; the mediator sees the yes arrive; the phone staff's
// call-back list gets the news for the caller without a mobile. On the way
// it sends bad input and checks that what was typed stays, with the errors.
func TestBrowser(t *testing.T) {
	s := startSite(t)

	// A resident, on the web.
	res := s.tab("resident")
	res.open("/")
	res.check("home")
	res.checkFocus("home", 10)
	res.do(chromedp.Click(chromedp.CSS(`a.big-choice[href="/hulpvraag"]`)), chromedp.WaitVisible(chromedp.ID("f-text")))
	res.check("request-form")
	res.readmeImage("hulpvraag")
	question := "Ik kan sinds mijn val niet meer zelf boodschappen doen. Wie haalt dinsdag mijn boodschappen bij de supermarkt?"
	res.insert("f-text", question)
	res.until("a category suggested from the text", `document.getElementById("f-categories").value === "boodschappen"`)
	if got := res.text("#f-text-suggest"); !strings.Contains(got, "Boodschappen") {
		res.fatalf("suggestion text = %q, want it to name Boodschappen", got)
	}
	// Bad input: a wrong postcode and phone number, no consent.
	res.fill("f-postcode", "39611")
	res.fill("f-houseNumber", "14")
	res.fill("f-contact-name", "Gerda Willems")
	res.fill("f-contact-phone", "12345")
	res.submit(`form.request-form button[type="submit"]`)
	res.until("the error summary", `document.querySelector(".error-summary") !== null`)
	for id, want := range map[string]string{"f-text": question, "f-postcode": "39611", "f-houseNumber": "14",
		"f-contact-name": "Gerda Willems", "f-contact-phone": "12345", "f-categories": "boodschappen"} {
		if got := js[string](res, `document.getElementById("`+id+`").value`); got != want {
			res.fatalf("after the errors, %s = %q, want what was typed, %q", id, got, want)
		}
	}
	for _, id := range []string{"f-postcode", "f-contact-phone"} {
		if got := js[string](res, `document.getElementById("`+id+`").getAttribute("aria-invalid")`); got != "true" {
			res.fatalf("%s aria-invalid = %q, want true", id, got)
		}
		if !js[bool](res, `document.querySelector('.error-summary a[href="#`+id+`"]') !== null`) {
			res.fatalf("the error summary does not link to %s", id)
		}
		if !js[bool](res, `document.getElementById("`+id+`").getAttribute("aria-describedby").includes("`+id+`-error")`) {
			res.fatalf("%s is not described by its error", id)
		}
	}
	if !js[bool](res, `document.querySelector('.error-summary a[href="#f-consent"]') !== null`) {
		res.fatalf("the error summary does not ask for consent")
	}
	if got := js[string](res, `document.activeElement.className`); !strings.Contains(got, "error-summary") {
		res.fatalf("focus is on %q, want the error summary", got)
	}
	res.check("request-form-errors")
	res.checkFocus("request-form-errors", 12)
	res.fill("f-postcode", "3961 BE")
	res.fill("f-contact-phone", "06-24681357")
	res.do(chromedp.Click(chromedp.CSS(`label[for="f-consent"]`)))
	res.submit(`form.request-form button[type="submit"]`)
	ref := res.text(".reference")
	link := js[string](res, `document.querySelector(".status-link").href`)
	if !regexp.MustCompile(`^WH-[0-9A-Z]{4}$`).MatchString(ref) || !statusLink.MatchString(link) {
		res.fatalf("sent page shows reference %q and link %q", ref, link)
	}
	res.check("request-sent")
	token := statusLink.FindStringSubmatch(link)[1]
	sms := s.waitSMS("+31624681357", ref)
	if !strings.Contains(sms, "/r/"+token) {
		t.Errorf("confirmation SMS does not hold the status link /r/%s:\n%s", token, sms)
	}
	res.open("/r/" + token)
	if got := res.text("#state"); !strings.Contains(got, "We zoeken iemand die u kan helpen") {
		res.fatalf("status page says %q", got)
	}
	res.check("status")
	// The same page in English.
	res.do(chromedp.Click(chromedp.CSS(".lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)))
	if got := res.text("#state"); !strings.Contains(got, "We are looking for someone to help you") {
		res.fatalf("English status page says %q", got)
	}
	res.check("status-en")

	// Phone staff, keyboard only, for a caller with a landline.
	tel := s.tab("phone")
	tel.login("phone@wijkhelpt.test", "/telefoon")
	tel.check("phone")
	caller := []struct{ id, keys string }{
		{"f-contact-phone", "0343-123456"},
		{"f-contact-name", "Bep de Graaf"},
		{"f-contact-email", ""},
		{"f-postcode", "3962 AB"},
		{"f-houseNumber", "5"},
	}
	for _, step := range caller {
		tel.typeAt(step.id, step.keys)
	}
	tel.until("the address from the postcode", `document.getElementById("address-result").textContent.includes("Wijk bij Duurstede")`)
	tel.typeAt("f-for", "") // the radio group: "for herself"
	tel.typeAt("f-text", "Mevrouw belt: haar keukenkraan lekt en er moet een lamp in de gang worden opgehangen.")
	tel.until("a category suggested from the text", `document.getElementById("f-categories").value === "klussen"`)
	tel.typeAt("f-categories", "")
	tel.typeAt("f-urgent", "")
	tel.typeAt("f-when", "") // flexible
	tel.typeAt("f-consent", " ")
	if got := js[string](tel, `document.activeElement.textContent.trim()`); got != "Hulpvraag opslaan" {
		tel.fatalf("after the consent, focus is on %q, want the save button", got)
	}
	js[bool](tel, `window.__old = true`)
	tel.do(chromedp.KeyEvent("\r"))
	tel.until("the saved request", `!window.__old && document.querySelector("#created .reference") !== null`)
	phoneRef := tel.text("#created .reference")
	tel.check("phone-created")

	// A volunteer registers; the first try misses the email address.
	vol := s.tab("volunteer")
	vol.open("/aanbod")
	vol.check("offer-form")
	vol.fill("f-name", "Anna Verbeek")
	vol.fill("f-phone", "06-13572468")
	vol.fill("f-postcode", "3962 AC")
	vol.fill("f-houseNumber", "10")
	vol.do(chromedp.Click(chromedp.CSS(`label[for="f-categories"]`)), chromedp.Click(chromedp.CSS(`label[for="f-categories-2"]`)))
	vol.submit(`form#form-start button[type="submit"]`)
	vol.until("the error summary", `document.querySelector(".error-summary") !== null`)
	for id, want := range map[string]string{"f-name": "Anna Verbeek", "f-phone": "06-13572468", "f-postcode": "3962 AC", "f-houseNumber": "10"} {
		if got := js[string](vol, `document.getElementById("`+id+`").value`); got != want {
			vol.fatalf("after the errors, %s = %q, want %q", id, got, want)
		}
	}
	if !js[bool](vol, `document.getElementById("f-categories").checked && document.getElementById("f-categories-2").checked`) {
		vol.fatalf("the chosen kinds of help were lost")
	}
	for _, id := range []string{"f-email", "f-password"} {
		if !js[bool](vol, `document.querySelector('.error-summary a[href="#`+id+`"]') !== null`) {
			vol.fatalf("the error summary does not link to %s", id)
		}
	}
	vol.check("offer-form-errors")
	vol.fill("f-email", "anna.verbeek@example.nl")
	vol.fill("f-password", "een heel goed wachtwoord")
	vol.submit(`form#form-start button[type="submit"]`)
	if got := js[string](vol, `location.pathname`); got != "/vrijwilliger" {
		vol.fatalf("after registering at %s, want /vrijwilliger", got)
	}
	vol.check("volunteer-new")

	// A mediator works the queue.
	med := s.tab("mediator")
	med.login("mediator@wijkhelpt.test", "/bemiddeling")
	med.check("queue")
	med.do(chromedp.Click(chromedp.Search(`//a[contains(., "` + phoneRef + `")]`)))
	med.until("the request page", `document.title.startsWith("`+phoneRef+`")`)
	// The engine follows the store; the new volunteer shows up within a poll.
	for i := 0; !strings.Contains(js[string](med, `(document.getElementById("suggestions") || {}).textContent || ""`), "Anna"); i++ {
		if i == 50 {
			med.fatalf("Anna is not among the suggestions")
		}
		time.Sleep(100 * time.Millisecond)
		med.open(js[string](med, `location.pathname`))
	}
	reasons := med.text("#suggestions li")
	for _, want := range []string{"Anna", "km", "klussen in huis", "0 van 2 taken"} {
		if !strings.Contains(reasons, want) {
			med.fatalf("the suggestion reads %q, want it to say %q", reasons, want)
		}
	}
	med.check("mediation-request")
	med.readmeImage("bemiddeling")
	med.checkFocus("mediation-request", 15)
	med.do(chromedp.Click(chromedp.CSS(`label[for="f-offer"]`)))
	med.submit(`#confirm-form button[type="submit"]`)
	if got := med.text("#vrijwilligers"); !strings.Contains(got, "Anna") || !strings.Contains(got, "gevraagd") {
		med.fatalf("after confirming, the volunteers read %q", got)
	}
	med.check("mediation-confirmed")
	proposal := s.waitSMS("+31613572468", "JA")
	if strings.Contains(proposal, "3962 AB") || strings.Contains(proposal, "Graaf") {
		t.Errorf("the proposal SMS tells the address or name before a yes:\n%s", proposal)
	}

	// The volunteer answers in the portal.
	vol.open("/vrijwilliger")
	if got := vol.text("#vragen + p + .cards, #vragen ~ .cards"); !strings.Contains(got, "Klussen in huis") || strings.Contains(got, "3962 AB") {
		vol.fatalf("the question reads %q", got)
	}
	vol.check("volunteer-question")
	vol.submit(`button[name="answer"][value="ja"]`)
	task := vol.text("#taken")
	for _, want := range []string{"huisnummer 5, 3962 AB Wijk bij Duurstede", "Bep", "+31343123456", "keukenkraan"} {
		if !strings.Contains(task, want) {
			vol.fatalf("the task reads %q, want %q", task, want)
		}
	}
	vol.check("volunteer-task")

	// She logs out and back in on her phone with a code by SMS, pasted as
	// the SMS shows it.
	vol.open("/uitloggen")
	vol.submit(`main form[action="/uitloggen"] button[type="submit"]`)
	vol.open("/inloggen")
	vol.check("login")
	vol.do(chromedp.Click(chromedp.ID("sms-login")), chromedp.WaitVisible(chromedp.ID("f-phone")))
	vol.check("login-sms")
	vol.insert("f-phone", "06 1357 2468")
	vol.submit(`form[action="/inloggen/sms"] button[type="submit"]`)
	vol.until("the code field", `document.getElementById("f-code") !== null`)
	for attr, want := range map[string]string{"autocomplete": "one-time-code", "inputmode": "numeric"} {
		if got := js[string](vol, `document.getElementById("f-code").getAttribute("`+attr+`")`); got != want {
			vol.fatalf("code field %s = %q, want %q", attr, got, want)
		}
	}
	vol.check("login-code")
	code := regexp.MustCompile(`[0-9]{6}`).FindString(s.waitSMS("+31613572468", "inlogcode"))
	vol.insert("f-code", code[:3]+" "+code[3:])
	vol.submit(`form[action="/inloggen/code"] button[type="submit"]`)
	if got := js[string](vol, `location.pathname`); got != "/vrijwilliger" {
		vol.fatalf("after the SMS code at %s, want /vrijwilliger", got)
	}
	if got := vol.text("#taken"); !strings.Contains(got, "keukenkraan") {
		vol.fatalf("after logging in by code, the tasks read %q", got)
	}

	// The mediator's open page shows the yes without a reload.
	med.until("the yes to arrive", `document.getElementById("vrijwilligers").textContent.includes("zei JA")`)
	if got := med.text("#request-status"); got != "geregeld" {
		med.fatalf("request state reads %q, want geregeld", got)
	}
	med.check("mediation-accepted")
	med.open("/bemiddeling/lijst")
	if got := js[string](med, `document.getElementById("plain-list").value`); !strings.Contains(got, ref) ||
		strings.Contains(got, "Willems") || strings.Contains(got, "3961 BE") || strings.Contains(got, "val") {
		med.fatalf("plain list reads %q", got)
	}
	med.check("plain-list")

	// The caller without a mobile phone is called back with the news.
	for i := 0; ; i++ {
		tel.open("/telefoon")
		if strings.Contains(tel.text("#terugbellen"), phoneRef) {
			break
		}
		if i == 50 {
			tel.fatalf("no call-back task for the caller without a mobile phone")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := tel.text("#terugbellen"); !strings.Contains(got, "Bep") || !strings.Contains(got, "+31343123456") ||
		!strings.Contains(got, "Anna") {
		tel.fatalf("the call-back reads %q, want the caller's name and number and the volunteer's name", got)
	}
	tel.check("phone-callbacks")

	// The administrator's page.
	adm := s.tab("admin")
	adm.login("admin@wijkhelpt.test", "/beheer")
	adm.open("/beheer?vog=Anna")
	adm.check("admin")
}

// typeAt types keys into the focused element, which must be id, then
// presses Tab: the way phone staff move through the intake form.
func (b *tab) typeAt(id, keys string) {
	b.s.t.Helper()
	if got := js[string](b, `document.activeElement.id`); got != id {
		b.fatalf("focus is on %q, want %q", got, id)
	}
	if keys != "" {
		b.do(chromedp.KeyEvent(keys))
	}
	b.do(chromedp.KeyEvent("\t"))
}

// waitSMS waits for an SMS to phone whose text contains want, and returns it.
func (s *site) waitSMS(phone, want string) string {
	s.t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		for _, m := range s.tw.To(phone) {
			if strings.Contains(m.Body, want) {
				return m.Body
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	var got []string
	for _, m := range s.tw.To(phone) {
		got = append(got, m.Body)
	}
	s.t.Fatalf("no SMS to %s containing %q; got %q", phone, want, got)
	return ""
}
