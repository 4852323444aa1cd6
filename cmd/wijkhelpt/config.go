package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// config is everything the service can be told, read from the environment
// and overridden by flags. It is read here and nowhere else.
type config struct {
	Addr          string
	DataDir       string
	MongoURI      string
	DBName        string
	PublicURL     string
	DeskPhone     string
	Geocoder      string
	PDOKURL       string
	AnswerTimeout time.Duration
	LogLevel      string
	Candidates    string
	Instance      string

	TwilioAccountSID   string
	TwilioAuthToken    string
	TwilioFrom         string
	TwilioMessagingSID string
	TwilioAPIURL       string

	// command is the sub-command the configuration was read for.
	command string
}

// envVar documents one setting: the README's table is checked against this list.
type envVar struct {
	Name, Flag, Default, Help string
	target                    *string
}

func (c *config) vars() []envVar {
	return []envVar{
		{"WIJKHELPT_ADDR", "addr", ":8080", "address the HTTP server listens on", &c.Addr},
		{"WIJKHELPT_DATA_DIR", "data-dir", "./data", "directory for the embedded database and the search index", &c.DataDir},
		{"MONGODB_URI", "mongodb-uri", "", "MongoDB connection string; empty starts the embedded store", &c.MongoURI},
		{"WIJKHELPT_DB_NAME", "db-name", "wijkhelpt", "database name", &c.DBName},
		{"WIJKHELPT_PUBLIC_URL", "public-url", "", "the portal's public base URL (status links, webhook signatures, Origin checks); empty means http://localhost and the port of WIJKHELPT_ADDR", &c.PublicURL},
		{"WIJKHELPT_DESK_PHONE", "desk-phone", "0343-745 000", "the help desk's phone number shown on every page and in SMS", &c.DeskPhone},
		{"WIJKHELPT_GEOCODER", "geocoder", "pc4", "pc4 (offline table) or pdok (PDOK Locatieserver, falls back to pc4)", &c.Geocoder},
		{"WIJKHELPT_PDOK_URL", "pdok-url", "https://api.pdok.nl/bzk/locatieserver/search/v3_1/free", "PDOK Locatieserver endpoint", &c.PDOKURL},
		{"WIJKHELPT_MATCH_CANDIDATES", "match-candidates", "grid", "where matching finds candidates: grid (in-memory, fast) or bleve (the search index); both give the same suggestions", &c.Candidates},
		{"WIJKHELPT_LOG_LEVEL", "log-level", "info", "debug, info, warn or error", &c.LogLevel},
		{"WIJKHELPT_INSTANCE", "instance", "", "name of this instance in leases (default: host name and process id)", &c.Instance},
		{"TWILIO_ACCOUNT_SID", "twilio-account-sid", "", "Twilio account SID; empty writes SMS to the log", &c.TwilioAccountSID},
		{"TWILIO_AUTH_TOKEN", "twilio-auth-token", "", "Twilio auth token (also checks webhook signatures)", &c.TwilioAuthToken},
		{"TWILIO_FROM", "twilio-from", "", "sender number or alphanumeric sender", &c.TwilioFrom},
		{"TWILIO_MESSAGING_SERVICE_SID", "twilio-messaging-service-sid", "", "Twilio messaging service (instead of TWILIO_FROM)", &c.TwilioMessagingSID},
		{"WIJKHELPT_TWILIO_API_URL", "twilio-api-url", "", "another base URL for Twilio's REST API, such as a local test double", &c.TwilioAPIURL},
	}
}

// loadConfig reads the environment, then the flags in args, and checks the
// result. It returns the remaining arguments.
func loadConfig(name string, args []string, getenv func(string) string, extra func(*flag.FlagSet)) (*config, []string, error) {
	c := &config{command: name}
	var timeout string
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	for _, v := range c.vars() {
		def := v.Default
		if e := getenv(v.Name); e != "" {
			def = e
		}
		fs.StringVar(v.target, v.Flag, def, v.Help+" ($"+v.Name+")")
	}
	deft := "24h"
	if e := getenv("WIJKHELPT_ANSWER_TIMEOUT"); e != "" {
		deft = e
	}
	fs.StringVar(&timeout, "answer-timeout", deft, "how long a volunteer has to answer ($WIJKHELPT_ANSWER_TIMEOUT)")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	d, err := time.ParseDuration(timeout)
	if err != nil || d < time.Minute {
		return nil, nil, fmt.Errorf("config: WIJKHELPT_ANSWER_TIMEOUT %q: want a duration of at least 1m, such as 24h", timeout)
	}
	c.AnswerTimeout = d
	if err := c.check(); err != nil {
		return nil, nil, err
	}
	return c, fs.Args(), nil
}

func (c *config) check() error {
	var errs []error
	if c.PublicURL == "" {
		c.PublicURL = localURL(c.Addr)
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("WIJKHELPT_PUBLIC_URL %q: want an http(s) URL such as https://wijkhelpt.example.nl", c.PublicURL))
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	switch c.Geocoder {
	case "pc4", "pdok":
	default:
		errs = append(errs, fmt.Errorf("WIJKHELPT_GEOCODER %q: want pc4 or pdok", c.Geocoder))
	}
	switch c.Candidates {
	case "grid", "bleve":
	default:
		errs = append(errs, fmt.Errorf("WIJKHELPT_MATCH_CANDIDATES %q: want grid or bleve", c.Candidates))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("WIJKHELPT_LOG_LEVEL %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.TwilioAccountSID != "" || c.TwilioAuthToken != "" {
		if c.TwilioAccountSID == "" || c.TwilioAuthToken == "" {
			errs = append(errs, errors.New("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN go together"))
		}
		if c.TwilioFrom == "" && c.TwilioMessagingSID == "" {
			errs = append(errs, errors.New("with Twilio credentials, set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"))
		}
	}
	if c.TwilioAPIURL != "" {
		if u, err := url.Parse(c.TwilioAPIURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			errs = append(errs, fmt.Errorf("WIJKHELPT_TWILIO_API_URL %q: want an http(s) URL", c.TwilioAPIURL))
		}
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("WIJKHELPT_DATA_DIR must not be empty"))
	} else if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	if c.Instance == "" {
		host, _ := os.Hostname()
		c.Instance = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return errors.Join(errs...)
}

// secure reports whether the portal is served over HTTPS, which decides the
// cookie flags.
// localURL is the address a browser on this machine uses for addr.
func localURL(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		port = "8080"
	}
	return "http://localhost:" + port
}

func (c *config) secure() bool { return strings.HasPrefix(c.PublicURL, "https://") }
