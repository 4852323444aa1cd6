package portal_test

import (
	"net/http"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"wijkhelpt"
)

func TestCreateOffer(t *testing.T) {
	f := NewFixture(t)
	count := func() int {
		os, err := f.DB.FindOffers(t.Context(), wijkhelpt.OfferFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(os)
	}
	before := count()
	bad := map[string]any{"name": "", "phone": "123", "postcode": "x", "houseNumber": "", "categories": []string{},
		"capacity": 99, "transport": "raket"}
	resp := f.Do(t, f.Bearer["phone"], JSONRequest(t, http.MethodPost, "/api/v1/offers", bad))
	if resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d\n%s", resp.Status, resp.Body)
	}
	var e apiErr
	resp.JSON(t, &e)
	var fields []string
	for k := range e.Error.Fields {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	if diff := cmp.Diff([]string{"capacity", "categories", "houseNumber", "name", "phone", "postcode", "transport"}, fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if got := count(); got != before {
		t.Errorf("offers stored after 422: %d -> %d", before, got)
	}

	good := map[string]any{"name": "Bram Hulp", "phone": "06-31234567", "postcode": "3962 AB", "houseNumber": "9",
		"categories": []string{"klussen"}, "slots": []string{"za-ochtend"}}
	resp = f.Do(t, f.Session["admin"], JSONRequest(t, http.MethodPost, "/api/v1/offers", good))
	if resp.Status != http.StatusCreated {
		t.Fatalf("status %d\n%s", resp.Status, resp.Body)
	}
	var o wijkhelpt.Offer
	resp.JSON(t, &o)
	if o.ID == "" || o.Phone != "+31631234567" || !o.Active || o.Capacity != wijkhelpt.DefaultCapacity {
		t.Errorf("offer %+v", o)
	}
	if o.CreatedBy != wijkhelpt.UserActor(wijkhelpt.RoleAdmin, f.Users[wijkhelpt.RoleAdmin].ID) {
		t.Errorf("created by %q", o.CreatedBy)
	}
	if got := count(); got != before+1 {
		t.Errorf("offers: %d -> %d, want one more", before, got)
	}
}
