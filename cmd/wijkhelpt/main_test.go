package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"wijkhelpt"
)

// testEnv is a fresh environment for one test: its own data directory, so
// its own embedded store, and nothing from the machine's environment.
func testEnv(tb testing.TB, extra ...string) func(string) string {
	tb.Helper()
	env := map[string]string{
		"WIJKHELPT_DATA_DIR":  tb.TempDir(),
		"WIJKHELPT_LOG_LEVEL": "warn",
	}
	if uri := os.Getenv("WIJKHELPT_TEST_MONGODB_URI"); uri != "" {
		env["MONGODB_URI"] = uri
		env["WIJKHELPT_DB_NAME"] = "cmdtest_" + wijkhelpt.NewID()[:12]
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return func(k string) string { return env[k] }
}

// runCmd runs the command line in-process and returns stdout and stderr.
func runCmd(tb testing.TB, getenv func(string) string, stdin string, args ...string) (string, string, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	err := run(ctx, args, strings.NewReader(stdin), &out, &errb, getenv)
	return out.String(), errb.String(), err
}

// withServices opens the store of an environment after a command ran, to
// look at what it left.
func withServices(tb testing.TB, getenv func(string) string, fn func(s *services)) {
	tb.Helper()
	ctx := context.Background()
	cfg, _, err := loadConfig("test", nil, getenv, nil)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := openServices(ctx, cfg, newLogger(&bytes.Buffer{}, "error"))
	if err != nil {
		tb.Fatal(err)
	}
	defer s.close()
	fn(s)
}

func writeFile(tb testing.TB, name, content string) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestConfigRejectsBadValues(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"public url", []string{"WIJKHELPT_PUBLIC_URL", "localhost:8080"}, "WIJKHELPT_PUBLIC_URL"},
		{"geocoder", []string{"WIJKHELPT_GEOCODER", "google"}, "WIJKHELPT_GEOCODER"},
		{"candidates", []string{"WIJKHELPT_MATCH_CANDIDATES", "elastic"}, "WIJKHELPT_MATCH_CANDIDATES"},
		{"twilio half", []string{"TWILIO_ACCOUNT_SID", "AC123"}, "TWILIO_AUTH_TOKEN"},
		{"twilio sender", []string{"TWILIO_ACCOUNT_SID", "AC123", "TWILIO_AUTH_TOKEN", "x"}, "TWILIO_FROM"},
		{"timeout", []string{"WIJKHELPT_ANSWER_TIMEOUT", "soon"}, "WIJKHELPT_ANSWER_TIMEOUT"},
		{"twilio url", []string{"WIJKHELPT_TWILIO_API_URL", "ftp://x"}, "WIJKHELPT_TWILIO_API_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := loadConfig("test", nil, testEnv(t, tt.env...), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

func TestConfigFlagsOverrideEnvironment(t *testing.T) {
	c, rest, err := loadConfig("test", []string{"--addr", "127.0.0.1:9999", "extra"}, testEnv(t, "WIJKHELPT_ADDR", ":7000"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" {
		t.Errorf("addr: got %q, want the flag's value", c.Addr)
	}
	if len(rest) != 1 || rest[0] != "extra" {
		t.Errorf("rest: got %v", rest)
	}
	if c.AnswerTimeout != 24*time.Hour {
		t.Errorf("answer timeout: got %v, want 24h", c.AnswerTimeout)
	}
	if c.PublicURL != "http://localhost:9999" {
		t.Errorf("public URL: got %q, want it to follow the address's port", c.PublicURL)
	}
	c, _, err = loadConfig("test", nil, testEnv(t, "WIJKHELPT_PUBLIC_URL", "https://hulp.example.nl/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "https://hulp.example.nl" || !c.secure() {
		t.Errorf("public URL: got %q (secure %v), want it as set, without the slash, and secure", c.PublicURL, c.secure())
	}
}

// TestREADMEListsEveryVariable keeps the README's configuration table true.
func TestREADMEListsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var c config
	for _, v := range append(c.vars(), envVar{Name: "WIJKHELPT_ANSWER_TIMEOUT"}) {
		if !bytes.Contains(b, []byte("`"+v.Name+"`")) {
			t.Errorf("README does not document %s", v.Name)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	_, stderr, err := runCmd(t, testEnv(t), "", "frobnicate")
	if err == nil || !strings.Contains(stderr, "usage: wijkhelpt") {
		t.Fatalf("got %v / %q, want usage and an error", err, stderr)
	}
}
