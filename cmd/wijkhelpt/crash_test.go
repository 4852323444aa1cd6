package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"wijkhelpt"
)

// envAsBinary makes the test binary behave as the wijkhelpt binary (see
// TestMain), so that a test can run the service in a process of its own
// and kill it.
const envAsBinary = "WIJKHELPT_TEST_AS_BINARY"

func TestMain(m *testing.M) {
	if os.Getenv(envAsBinary) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// process is the service running in a process of its own.
type process struct {
	cmd *exec.Cmd
	url string
	out *bytes.Buffer
}

// startProcess runs "wijkhelpt serve" on the data directory of env in a
// new process and waits until it is ready.
func startProcess(tb testing.TB, env func(string) string) *process {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = []string{
		envAsBinary + "=1",
		"WIJKHELPT_ADDR=" + addr,
		"WIJKHELPT_PUBLIC_URL=http://" + addr,
		"WIJKHELPT_DATA_DIR=" + env("WIJKHELPT_DATA_DIR"),
		"WIJKHELPT_LOG_LEVEL=warn",
		"HOME=" + os.Getenv("HOME"),
	}
	if uri := env("MONGODB_URI"); uri != "" {
		cmd.Env = append(cmd.Env, "MONGODB_URI="+uri, "WIJKHELPT_DB_NAME="+env("WIJKHELPT_DB_NAME"))
	}
	p := &process{cmd: cmd, url: "http://" + addr, out: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("the service did not become ready; it said:\n%s", p.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKillDuringIntakeLosesNothing sends 1,000 requests from 32 clients at
// once, kills the service with SIGKILL in the middle, starts it again and
// checks that every request it acknowledged is there, once, and that
// retrying the unacknowledged ones with their idempotency keys adds each
// once. Several rounds, each killed at another moment.
func TestKillDuringIntakeLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the service six times")
	}
	env := testEnv(t)
	// Phone staff, as a desk's intake line: anonymous intake is limited
	// per address, and this test sends far more than a resident may.
	token, _, err := runCmd(t, env, "", "token", "create", "--role", "phone", "--name", "crash")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	const perRound, clients = 1000, 32
	acked := map[string]string{} // idempotency key -> request ID
	for round := range 3 {
		p := startProcess(t, env)
		keys := make(chan string, perRound)
		for i := range perRound {
			keys <- fmt.Sprintf("crash-%d-%04d", round, i)
		}
		close(keys)
		var mu sync.Mutex
		var sent atomic.Int64
		killAt := int64(150 + 250*round)
		var wg sync.WaitGroup
		client := &http.Client{Timeout: 10 * time.Second}
		for range clients {
			wg.Go(func() {
				for key := range keys {
					n := sent.Add(1)
					if n == killAt {
						_ = p.cmd.Process.Signal(syscall.SIGKILL)
					}
					id, ok := intake(client, p.url, token, key)
					if ok {
						mu.Lock()
						acked[key] = id
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		_, _ = p.cmd.Process.Wait()

		p = startProcess(t, env)
		n := 0
		mu.Lock()
		for key, id := range acked {
			if !strings.HasPrefix(key, fmt.Sprintf("crash-%d-", round)) {
				continue
			}
			n++
			if got := getStatus(t, p.url+"/api/v1/requests/"+id, token); got != http.StatusOK {
				t.Errorf("round %d: request %s was acknowledged before the kill, after the restart GET answers %d", round, id, got)
			}
		}
		mu.Unlock()
		if n == 0 || n == perRound {
			t.Errorf("round %d: %d of %d acknowledged: the kill did not land in the middle", round, n, perRound)
		}
		t.Logf("round %d: %d of %d intakes acknowledged before the kill", round, n, perRound)
		// Retrying every key of the round (as the portal's form does after
		// a failure) adds the missing ones and repeats none.
		for i := range perRound {
			key := fmt.Sprintf("crash-%d-%04d", round, i)
			id, ok := intake(client, p.url, token, key)
			if !ok {
				t.Fatalf("round %d: retry of %s failed", round, key)
			}
			if was, had := acked[key]; had && was != id {
				t.Errorf("round %d: retry of %s gave request %s, first acknowledged as %s", round, key, id, was)
			}
			acked[key] = id
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		_, _ = p.cmd.Process.Wait()
	}
	// One request per key, nothing more.
	withServices(t, env, func(s *services) {
		total, err := s.db.CountRequests(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if total != int64(len(acked)) {
			t.Errorf("the store holds %d requests for %d idempotency keys", total, len(acked))
		}
	})
}

// intake posts one request with an idempotency key and returns its ID when
// the service acknowledged it (201, or 200 for a repeated key).
func intake(client *http.Client, base, token, key string) (string, bool) {
	body, _ := json.Marshal(map[string]any{
		"text":           "Wie kan mij naar de huisarts brengen?",
		"categories":     []string{"vervoer"},
		"postcode":       "3961 AB",
		"houseNumber":    "12",
		"contact":        map[string]any{"name": "Truus Smit", "phone": "0343-578899"},
		"consent":        wijkhelpt.ConsentVerbal,
		"idempotencyKey": key,
	})
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/requests", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", false
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.ID == "" {
		return "", false
	}
	return out.ID, true
}

// httpClient is a client for tests, with a time-out.
func httpClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }
