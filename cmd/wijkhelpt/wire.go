package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"wijkhelpt"
	"wijkhelpt/geo"
	"wijkhelpt/search"
	"wijkhelpt/store"
)

// services are the parts every command needs: the store (embedded unless
// MONGODB_URI is set), the locator, the classifier and the intake desk.
type services struct {
	cfg        *config
	log        *slog.Logger
	db         *store.DB
	embedded   *store.Embedded
	locator    *geo.Locator
	classifier *search.Classifier
	desk       *wijkhelpt.Desk
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func openServices(ctx context.Context, cfg *config, log *slog.Logger) (*services, error) {
	s := &services{cfg: cfg, log: log}
	var db *store.DB
	var err error
	if cfg.MongoURI == "" {
		e, startErr := store.StartEmbedded(ctx, filepath.Join(cfg.DataDir, "db"), nil)
		if startErr != nil {
			return nil, startErr
		}
		s.embedded = e
		log.Info("embedded store started", "data_dir", cfg.DataDir)
		db, err = e.Open(ctx, cfg.DBName)
	} else {
		db, err = store.Open(ctx, cfg.MongoURI, cfg.DBName)
	}
	if err != nil {
		s.close()
		return nil, err
	}
	s.db = db
	table, err := geo.LoadPC4()
	if err != nil {
		s.close()
		return nil, err
	}
	var opts []geo.Option
	if cfg.Geocoder == "pdok" {
		opts = append(opts, geo.WithPDOK(cfg.PDOKURL, &http.Client{Timeout: 2 * time.Second}, db))
	}
	s.locator = geo.NewLocator(table, opts...)
	cl, err := search.NewClassifier(search.DefaultVocabulary())
	if err != nil {
		s.close()
		return nil, fmt.Errorf("classifier: %w", err)
	}
	s.classifier = cl
	s.desk = &wijkhelpt.Desk{
		Locator:    s.locator,
		Classifier: cl,
		Requests:   db,
		Offers:     db,
		PublicURL:  cfg.PublicURL,
	}
	return s, nil
}

func (s *services) close() {
	if s.db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.db.Close(ctx)
		cancel()
	}
	if s.embedded != nil {
		s.embedded.Close()
	}
}

// setup reads the configuration and opens the services for a command.
func setup(ctx context.Context, name string, args []string, io stdio, getenv func(string) string, extra func(*flag.FlagSet)) (*services, []string, error) {
	cfg, rest, err := loadConfig(name, args, getenv, extra)
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(io.err, cfg.LogLevel)
	s, err := openServices(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	return s, rest, nil
}
