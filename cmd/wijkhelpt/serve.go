package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"wijkhelpt"
	"wijkhelpt/matching"
	"wijkhelpt/notify"
	"wijkhelpt/portal"
	"wijkhelpt/search"
	"wijkhelpt/store"
)

// shutdownGrace is how long requests in flight may take to finish after
// SIGTERM.
const shutdownGrace = 20 * time.Second

func cmdServe(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	var demo bool
	s, _, err := setup(ctx, "serve", args, io, getenv, func(fs *flag.FlagSet) {
		fs.BoolVar(&demo, "demo", false, "load the Wijk bij Duurstede demo set when the store is empty")
	})
	if err != nil {
		return err
	}
	defer s.close()
	if demo {
		if err := loadDemoIfEmpty(ctx, s, io.out); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	return serve(ctx, s, ln, io)
}

// serve runs everything on ln until ctx is done, then shuts down gracefully:
// requests in flight finish, background workers stop, the store closes.
func serve(ctx context.Context, s *services, ln net.Listener, io stdio) error {
	cfg, log := s.cfg, s.log

	index, err := search.OpenOrRebuild(ctx, filepath.Join(cfg.DataDir, "index"), s.db, nil)
	if err != nil {
		ln.Close()
		return fmt.Errorf("search index: %w", err)
	}
	defer index.Close()
	var engineOpts []matching.Option
	if cfg.Candidates == "bleve" {
		engineOpts = append(engineOpts, matching.WithCandidates(index))
	}
	engine := matching.NewEngine(matching.DefaultWeights(), engineOpts...)
	// One reader of the revision feed for the engine and the index. The
	// embedded store belongs to this process alone and publishes every
	// commit, so its follower only looks now and then as a safety net;
	// on MongoDB other instances write too, and are read every interval.
	followOpts := wijkhelpt.FollowerOptions{Every: wijkhelpt.DefaultFollowInterval, Logger: log}
	if s.embedded != nil {
		followOpts.Every, followOpts.InOrder = 2*time.Second, true
	}
	follower := wijkhelpt.NewFollower(s.db, followOpts, engine, index)
	// This process's own writes reach the engine before the write returns,
	// so that a suggestion or a confirmation right after a change sees it,
	// and wake the follower for the index.
	unsubscribe := s.db.Subscribe(func(c store.Change) {
		_ = engine.TakeFeed(context.Background(), wijkhelpt.FeedPage{Offers: c.Offers, Requests: c.Requests})
		follower.Wake()
	})
	defer unsubscribe()
	notifier, err := notify.New(notify.Config{
		AccountSID:          cfg.TwilioAccountSID,
		AuthToken:           cfg.TwilioAuthToken,
		From:                cfg.TwilioFrom,
		MessagingServiceSID: cfg.TwilioMessagingSID,
		APIBaseURL:          cfg.TwilioAPIURL,
		PublicURL:           cfg.PublicURL,
		DeskPhone:           cfg.DeskPhone,
		AnswerTimeout:       cfg.AnswerTimeout,
		Instance:            cfg.Instance,
	}, s.db, log)
	if err != nil {
		ln.Close()
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	app, err := portal.New(portal.Deps{
		Store:         s.db,
		Desk:          s.desk,
		Matcher:       engine,
		Classifier:    s.classifier,
		Notifier:      notifier,
		Finder:        index,
		PublicURL:     cfg.PublicURL,
		DeskPhone:     cfg.DeskPhone,
		SecureCookies: cfg.secure(),
		Logger:        log,
		AnswerTimeout: cfg.AnswerTimeout,
		Metrics:       promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
		Ready: func(ctx context.Context) error {
			if !follower.Ready() {
				return errors.New("matching engine and search index still loading")
			}
			return s.db.Ping(ctx)
		},
	})
	if err != nil {
		ln.Close()
		return err
	}

	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	var wg sync.WaitGroup
	worker := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(bg); err != nil && bg.Err() == nil {
				log.Error("background worker stopped", "worker", name, "err", err)
			}
		}()
	}
	worker("feed", follower.Run)
	worker("cleanup", func(ctx context.Context) error {
		return store.RunCleanup(ctx, s.db, store.DefaultCleanupInterval, time.Now, log)
	})
	worker("notify", notifier.Run)

	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)
	fmt.Fprintf(io.out, "WijkHelpt luistert op %s (open %s)\n", ln.Addr(), cfg.PublicURL)

	select {
	case err = <-served:
	case <-ctx.Done():
		log.Info("shutting down")
		err = app.ShutdownWithTimeout(shutdownGrace)
		<-served
	}
	stopBG()
	wg.Wait()
	return err
}
