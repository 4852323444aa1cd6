package portal_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"wijkhelpt/portal"
	"wijkhelpt/search"
)

// withIndex gives the portal a real Bleve index, built from the fixture's
// store, as its Finder (what cmd/wijkhelpt does with the service's index).
func withIndex(tb testing.TB) func(*portal.Deps) {
	return func(d *portal.Deps) {
		src, ok := d.Store.(search.Source)
		if !ok {
			tb.Fatalf("the fixture's store is no search.Source")
		}
		ix, err := search.OpenOrRebuild(tb.Context(), tb.TempDir(), src, nil)
		if err != nil {
			tb.Fatalf("search index: %v", err)
		}
		tb.Cleanup(func() { ix.Close() })
		d.Finder = ix
	}
}

func get(tb testing.TB, f *Fixture, who, path string) (int, string) {
	tb.Helper()
	res := f.DoPage(tb, who, httptest.NewRequest(http.MethodGet, path, nil))
	return res.Status, string(res.Body)
}

func TestMediatorFindsRequestsThroughTheIndex(t *testing.T) {
	f := NewFixture(t, withIndex(t))
	cases := []struct {
		name, query string
		want        []string // references that must be found
		notWant     []string
	}{
		{"words of the text, another form", "geopereerde heup", []string{f.Open.Ref}, []string{f.Matched.Ref}},
		{"reference in lower case", strings.ToLower(f.Matched.Ref), []string{f.Matched.Ref}, []string{f.Open.Ref}},
		{"a word both share", "boodschappen", []string{f.Open.Ref, f.Matched.Ref}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := get(t, f, "mediator", "/bemiddeling?zoek="+url.QueryEscape(c.query))
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			found, _, ok := strings.Cut(body, `id="open-title"`)
			if !ok || !strings.Contains(found, `id="found"`) {
				t.Fatalf("no results section before the queue:\n%s", body)
			}
			for _, ref := range c.want {
				if !strings.Contains(found, ref) {
					t.Errorf("%q: %s not found", c.query, ref)
				}
			}
			for _, ref := range c.notWant {
				if strings.Contains(found, ref) {
					t.Errorf("%q: %s found, but it does not match", c.query, ref)
				}
			}
			if !strings.Contains(found, `value="`+c.query+`"`) {
				t.Errorf("the search field lost what was typed")
			}
		})
	}
	status, body := get(t, f, "mediator", "/bemiddeling?zoek=zwembadkaartje")
	if status != http.StatusOK || !strings.Contains(body, "Niets gevonden") {
		t.Errorf("a search without results: status %d, no 'Niets gevonden'", status)
	}
	// The queue stays mediator-only with a search in it.
	for _, who := range []string{"anonymous", "volunteer", "phone"} {
		status, body := get(t, f, who, "/bemiddeling?zoek="+f.Open.Ref)
		if status == http.StatusOK || strings.Contains(body, "geopereerd") {
			t.Errorf("%s searched the queue: status %d", who, status)
		}
	}
}

func TestMediatorFindsVolunteersByMisspeltName(t *testing.T) {
	path := func(f *Fixture, q string) string {
		return "/bemiddeling/" + f.Open.ID + "?zoek=" + url.QueryEscape(q)
	}
	// "Baker" is one letter off "Bakker": the index finds Piet, a name
	// match in the store does not.
	f := NewFixture(t, withIndex(t))
	status, body := get(t, f, "mediator", path(f, "Baker"))
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	results, _, _ := strings.Cut(body[strings.Index(body, `id="zoeken"`):], "</section>")
	if !strings.Contains(results, "Piet") || strings.Contains(results, "Karin") {
		t.Errorf("with the index, 'Baker' should find Piet Bakker only:\n%s", results)
	}
	plain := NewFixture(t)
	_, body = get(t, plain, "mediator", path(plain, "Baker"))
	results, _, _ = strings.Cut(body[strings.Index(body, `id="zoeken"`):], "</section>")
	if strings.Contains(results, "Piet") {
		t.Errorf("without the index, a name search in the store found a misspelt name:\n%s", results)
	}
	_, body = get(t, plain, "mediator", "/bemiddeling")
	if strings.Contains(body, `name="zoek"`) {
		t.Errorf("without an index the queue offers a search it cannot do")
	}
}

func TestMediatorFindsVolunteersByKindOfHelp(t *testing.T) {
	f := NewFixture(t, withIndex(t))
	// Nobody's name or text says "rolstoel": the search reads it as
	// transport, and both volunteers offer that.
	status, body := get(t, f, "mediator", "/bemiddeling/"+f.Open.ID+"?zoek=rolstoel")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	results, _, _ := strings.Cut(body[strings.Index(body, `id="zoeken"`):], "</section>")
	if !strings.Contains(results, `id="search-by-category"`) || !strings.Contains(results, "Vervoer en begeleiding") {
		t.Errorf("the page does not say the volunteers were found by kind of help:\n%s", results)
	}
	if !strings.Contains(results, "Piet") || !strings.Contains(results, "Karin") {
		t.Errorf("'rolstoel' should find both transport volunteers:\n%s", results)
	}
	// A name match is not mixed with a kind of help.
	_, body = get(t, f, "mediator", "/bemiddeling/"+f.Open.ID+"?zoek=Bakker")
	results, _, _ = strings.Cut(body[strings.Index(body, `id="zoeken"`):], "</section>")
	if strings.Contains(results, `id="search-by-category"`) || strings.Contains(results, "Karin") {
		t.Errorf("'Bakker' should find Piet Bakker by name only:\n%s", results)
	}
}
