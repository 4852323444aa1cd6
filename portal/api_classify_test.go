package portal_test

import (
	"net/http"
	"testing"
)

func TestClassify(t *testing.T) {
	f := NewFixture(t, StoppedClock)
	resp := f.Do(t, Caller{}, JSONRequest(t, http.MethodPost, "/api/v1/classify",
		map[string]any{"text": "mevrouw belt: kan er iemand boodschappen voor haar doen bij de supermarkt?"}))
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d\n%s", resp.Status, resp.Body)
	}
	var got struct {
		Categories []struct {
			Code  string  `json:"code"`
			Score float64 `json:"score"`
		} `json:"categories"`
	}
	resp.JSON(t, &got)
	if len(got.Categories) == 0 || got.Categories[0].Code != "boodschappen" || got.Categories[0].Score <= 0 {
		t.Errorf("categories %+v, want boodschappen first", got.Categories)
	}
	// 60 a minute per address; this was the first.
	for i := 2; i <= 60; i++ {
		if s := f.Do(t, Caller{}, JSONRequest(t, http.MethodPost, "/api/v1/classify", map[string]any{"text": "tuin"})).Status; s != 200 {
			t.Fatalf("call %d: status %d", i, s)
		}
	}
	last := f.Do(t, Caller{}, JSONRequest(t, http.MethodPost, "/api/v1/classify", map[string]any{"text": "tuin"}))
	if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("call 61: status %d Retry-After %q, want 429 with Retry-After", last.Status, last.Header.Get("Retry-After"))
	}
	var e apiErr
	last.JSON(t, &e)
	if e.Error.Code != "rate_limited" {
		t.Errorf("code %q", e.Error.Code)
	}
}
