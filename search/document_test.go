package search_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
	"wijkhelpt/search"
)

// TestDocumentsFollowMapping checks the shortcut the index takes for speed:
// it builds documents itself instead of letting Bleve walk them through
// the mapping. Both ways must give the same fields, options and terms.
func TestDocumentsFollowMapping(t *testing.T) {
	offers := genOffers(40, 12)
	offers[0].Slots = nil                                // any time
	offers[1].Location.Point = wijkhelpt.Point{}         // no location
	offers[2].Organisation = "Stichting Samen Sterk"     // an organisation
	offers[3].Name, offers[3].Text = "Maria d'Hondt", "" // apostrophe, no text
	offers[4].Text = "BOODSCHAPPEN, heggen snoeien en de katten voeren!"
	for _, o := range offers {
		built, mapped, err := search.OfferFields(o)
		if err != nil {
			t.Fatal(err)
		}
		if len(built) < 8 {
			t.Fatalf("offer %s: only %d fields: %v", o.ID, len(built), built)
		}
		if d := cmp.Diff(mapped, built); d != "" {
			t.Errorf("offer %s (-mapping +documents):\n%s", o.ID, d)
		}
	}
	reqs := genRequests(10, 3)
	if err := reqs[0].AddNote("Dochter belt terug.", wijkhelpt.ActorSystem, time.Now()); err != nil {
		t.Fatal(err)
	}
	reqs[1].Location.Point = wijkhelpt.Point{}
	for i, r := range reqs {
		r.Ref = wijkhelpt.NewRef()
		built, mapped, err := search.RequestFields(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(built) < 5 {
			t.Fatalf("request %d: only %d fields: %v", i, len(built), built)
		}
		if d := cmp.Diff(mapped, built); d != "" {
			t.Errorf("request %d (-mapping +documents):\n%s", i, d)
		}
	}
}
