package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"wijkhelpt/portal"
)

// openRow is a route outside the API and the pages: probes, metrics and
// Twilio's webhooks, which come before identify and know no roles.
type openRow struct {
	name   string
	method string
	path   string
	status int // the same for every caller
}

// openRows lists the routes registered before identify. The webhooks are
// called without Twilio's signature: refused for everyone, whatever
// session or token comes along.
func openRows() []openRow {
	return []openRow{
		{"liveness", "GET", "/healthz", http.StatusOK},
		{"readiness", "GET", "/readyz", http.StatusOK},
		{"metrics", "GET", "/metrics", http.StatusOK},
		{"inbound sms unsigned", "POST", "/webhooks/twilio/sms", http.StatusForbidden},
		{"delivery status unsigned", "POST", "/webhooks/twilio/status", http.StatusForbidden},
	}
}

// withMetrics serves an empty registry at /metrics, so that the route
// exists as in the running service.
func withMetrics(d *portal.Deps) {
	d.Metrics = promhttp.HandlerFor(prometheus.NewRegistry(), promhttp.HandlerOpts{})
}

// TestOpenRoutesAccess calls the open routes as every caller, by session
// and by token: the same answer for all, and no personal data.
func TestOpenRoutesAccess(t *testing.T) {
	f := NewFixture(t, withMetrics)
	all := apiPersonal(f)
	for _, via := range []string{"session", "token"} {
		callers := f.Session
		if via == "token" {
			callers = f.Bearer
		}
		for _, r := range openRows() {
			for _, who := range Callers {
				t.Run(via+"/"+r.name+"/"+who, func(t *testing.T) {
					req := JSONRequest(t, r.method, r.path, nil)
					if r.method == http.MethodPost {
						req = FormRequest(r.path, url.Values{"From": {"+31611111111"}, "Body": {"JA"}})
					}
					resp := f.Do(t, callers[who], req)
					if resp.Status != r.status {
						t.Fatalf("status = %d, want %d\n%s", resp.Status, r.status, resp.Body)
					}
					AssertNoLeak(t, r.name, resp.Body, all)
				})
			}
		}
	}
}

// TestEveryRouteHasAccessRows walks the routes the app registers and
// fails for any route that no access table calls (pageRows, apiRows,
// openRows), so that a new route cannot go without a check of who may
// use it and what it shows.
func TestEveryRouteHasAccessRows(t *testing.T) {
	f := NewFixture(t, withMetrics)
	_, token := f.ResidentRequest(t, "Wie helpt mij met mijn tuin?", "Joke Visser", "06-55554444", "3962 AB", "21")
	type call struct{ method, path string }
	var calls []call
	for _, r := range pageRows(t, f, token, []string{"tuin"}) {
		calls = append(calls, call{r.method, r.path})
	}
	for _, r := range apiRows(f) {
		calls = append(calls, call{r.method, r.path})
	}
	for _, r := range openRows() {
		calls = append(calls, call{r.method, r.path})
	}
	seen := 0
	for _, route := range f.App.GetRoutes(true) {
		// HEAD comes with every GET; /test/ are export_test.go's routes.
		if route.Method == http.MethodHead || strings.HasPrefix(route.Path, "/test/") {
			continue
		}
		seen++
		re := routePattern(route.Path)
		if !slices.ContainsFunc(calls, func(c call) bool {
			p, _, _ := strings.Cut(c.path, "?")
			return c.method == route.Method && re.MatchString(p)
		}) {
			t.Errorf("%s %s: no row in the access tables calls this route", route.Method, route.Path)
		}
	}
	// The walk must have found the app's routes, or it proves nothing.
	if seen < 60 {
		t.Errorf("found %d routes; GetRoutes no longer lists the app's routes", seen)
	}
}

// routePattern turns a Fiber route ("/bemiddeling/:id/stand", "/static/*",
// "/telefoon/") into a regular expression for the paths it serves.
func routePattern(route string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	trimmed := strings.TrimSuffix(route, "/")
	for i, seg := range strings.Split(trimmed, "/") {
		if i > 0 {
			b.WriteString("/")
		}
		switch {
		case strings.HasPrefix(seg, ":"):
			b.WriteString("[^/]+")
		case seg == "*":
			b.WriteString(".*")
		default:
			b.WriteString(regexp.QuoteMeta(seg))
		}
	}
	// Fiber is not strict about a trailing slash.
	b.WriteString("/?$")
	return regexp.MustCompile(b.String())
}
