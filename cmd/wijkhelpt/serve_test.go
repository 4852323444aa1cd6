package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// server is a running "wijkhelpt serve" on a loopback port.
type server struct {
	url    string
	cancel context.CancelFunc
	done   chan error
	out    *bytes.Buffer
}

func startServer(tb testing.TB, getenv func(string) string, args ...string) *server {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // serve opens it again itself, as the real command does
	env := func(k string) string {
		switch k {
		case "WIJKHELPT_ADDR":
			return addr
		case "WIJKHELPT_PUBLIC_URL":
			return "http://" + addr
		}
		return getenv(k)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{url: "http://" + addr, cancel: cancel, done: make(chan error, 1), out: &bytes.Buffer{}}
	go func() {
		s.done <- run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), s.out, io.Discard, env)
	}()
	tb.Cleanup(func() { s.stop(tb) })
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			tb.Fatalf("serve stopped before it was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatal("serve did not become ready")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop shuts the server down as SIGTERM does and checks it stopped cleanly.
func (s *server) stop(tb testing.TB) {
	tb.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			tb.Errorf("serve stopped with %v", err)
		}
	case <-time.After(60 * time.Second):
		tb.Error("serve did not stop within a minute of SIGTERM")
	}
}

func postJSON(tb testing.TB, url string, body any) (int, map[string]any) {
	tb.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func getStatus(tb testing.TB, url, token string) int {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServeDemoSurvivesRestart runs the service as the README says, with the
// demo set, submits a request, stops it the way SIGTERM does, starts it again
// on the same data directory and finds the request still there.
func TestServeDemoSurvivesRestart(t *testing.T) {
	env := testEnv(t)
	srv := startServer(t, env, "--demo")
	if !strings.Contains(srv.out.String(), "Demo geladen") || !strings.Contains(srv.out.String(), "bemiddelaar@demo.wijkhelpt.nl") {
		t.Fatalf("serve --demo should load the demo and print the logins, said:\n%s", srv.out.String())
	}
	if got := getStatus(t, srv.url+"/healthz", ""); got != http.StatusOK {
		t.Fatalf("/healthz: %d", got)
	}
	if got := getStatus(t, srv.url+"/metrics", ""); got != http.StatusOK {
		t.Fatalf("/metrics: %d", got)
	}
	status, body := postJSON(t, srv.url+"/api/v1/requests", map[string]any{
		"text":        "Wie kan mijn boodschappen doen? Ik heb mijn been gebroken.",
		"postcode":    "3961 ab",
		"houseNumber": "12",
		"contact":     map[string]any{"name": "Truus Smit", "phone": "06-12345678"},
		"consent":     "web",
	})
	if status != http.StatusCreated {
		t.Fatalf("POST /api/v1/requests: %d %v", status, body)
	}
	id, _ := body["id"].(string)
	ref, _ := body["ref"].(string)
	if id == "" || !strings.HasPrefix(ref, "WH-") {
		t.Fatalf("created request lacks id/ref: %v", body)
	}
	srv.stop(t)

	token, _, err := runCmd(t, env, "", "token", "create", "--role", "mediator", "--name", "test")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)

	srv = startServer(t, env, "--demo")
	if !strings.Contains(srv.out.String(), "al gegevens") {
		t.Errorf("the second start must not load the demo again, said:\n%s", srv.out.String())
	}
	if got := getStatus(t, srv.url+"/api/v1/requests/"+id, token); got != http.StatusOK {
		t.Fatalf("after restart GET request: %d, want 200", got)
	}
	if got := getStatus(t, srv.url+"/api/v1/requests/"+id, ""); got != http.StatusUnauthorized {
		t.Errorf("anonymous GET request: %d, want 401", got)
	}
}

func getJSON(tb testing.TB, url, token string, out any) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
}

// TestSuggestionsSurviveLosingTheIndex deletes the search index between two
// runs of the service: the second run rebuilds it from the store without
// help, and, with the Bleve index as the matching engine's candidate
// source, gives the very suggestions the first run gave with its grid.
func TestSuggestionsSurviveLosingTheIndex(t *testing.T) {
	env := testEnv(t)
	token, _, err := runCmd(t, env, "", "token", "create", "--role", "mediator", "--name", "test")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	type suggestions struct {
		Suggestions []struct {
			OfferID    string  `json:"offerId"`
			Score      float64 `json:"score"`
			DistanceKm float64 `json:"distanceKm"`
		} `json:"suggestions"`
		Excluded map[string]int `json:"excluded"`
	}
	read := func(srv *server) map[string]suggestions {
		var list struct {
			Requests []struct {
				ID string `json:"id"`
			} `json:"requests"`
		}
		getJSON(t, srv.url+"/api/v1/requests?status=open&limit=20", token, &list)
		if len(list.Requests) < 10 {
			t.Fatalf("the demo has %d open requests, want at least 10", len(list.Requests))
		}
		out := map[string]suggestions{}
		for _, r := range list.Requests {
			var s suggestions
			// The engine follows the store: wait until it has loaded.
			for i := 0; ; i++ {
				getJSON(t, srv.url+"/api/v1/requests/"+r.ID+"/suggestions?limit=5", token, &s)
				if len(s.Suggestions) > 0 || i == 50 {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			out[r.ID] = s
		}
		return out
	}
	srv := startServer(t, env, "--demo")
	before := read(srv)
	srv.stop(t)

	if err := os.RemoveAll(filepath.Join(env("WIJKHELPT_DATA_DIR"), "index")); err != nil {
		t.Fatal(err)
	}
	srv = startServer(t, func(k string) string {
		if k == "WIJKHELPT_MATCH_CANDIDATES" {
			return "bleve"
		}
		return env(k)
	})
	after := read(srv)
	some := 0
	for id, b := range before {
		some += len(b.Suggestions)
		if !reflect.DeepEqual(b, after[id]) {
			t.Errorf("request %s: suggestions before\n%+v\nand after losing the index\n%+v", id, b, after[id])
		}
	}
	if some == 0 {
		t.Fatal("no request had any suggestion: nothing was compared")
	}
}

// sendJSON sends body as JSON with a bearer token and decodes the answer.
func sendJSON(tb testing.TB, method, url, token string, body any) (int, map[string]any) {
	tb.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestOwnWritesReachMatchingAtOnce registers a volunteer through the API
// and confirms them for a request in the very next call: the store
// publishes its commit to this process's matching engine before the first
// answer leaves, so the second call knows the volunteer (it answered 404
// "De vrijwilliger is niet gevonden" when the engine only polled).
func TestOwnWritesReachMatchingAtOnce(t *testing.T) {
	env := testEnv(t)
	token, _, err := runCmd(t, env, "", "token", "create", "--role", "mediator", "--name", "test")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	srv := startServer(t, env)
	for i := range 5 {
		status, r := postJSON(t, srv.url+"/api/v1/requests", map[string]any{
			"text":        "Wie kan dinsdag boodschappen voor mij doen?",
			"categories":  []string{"boodschappen"},
			"slots":       []string{"di-ochtend", "di-middag"},
			"postcode":    "3961 AB",
			"houseNumber": fmt.Sprint(10 + i),
			"contact":     map[string]any{"name": "Truus Smit", "phone": fmt.Sprintf("06-1234567%d", i)},
			"consent":     "web",
		})
		if status != http.StatusCreated {
			t.Fatalf("POST /api/v1/requests: %d %v", status, r)
		}
		status, o := sendJSON(t, http.MethodPost, srv.url+"/api/v1/offers", token, map[string]any{
			"name":          fmt.Sprintf("Piet Bakker %d", i),
			"phone":         fmt.Sprintf("06-8765432%d", i),
			"postcode":      "3961 AC",
			"houseNumber":   "3",
			"categories":    []string{"boodschappen"},
			"slots":         []string{"di-ochtend"},
			"maxDistanceKm": 5,
			"capacity":      1,
		})
		if status != http.StatusCreated {
			t.Fatalf("POST /api/v1/offers: %d %v", status, o)
		}
		status, m := sendJSON(t, http.MethodPost, srv.url+"/api/v1/matches", token, map[string]any{
			"requestId": r["id"], "offerId": o["id"],
		})
		if status != http.StatusCreated && status != http.StatusOK {
			t.Fatalf("round %d: confirming a volunteer registered just before: %d %v, want it accepted", i, status, m)
		}
	}
}
