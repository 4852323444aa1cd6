package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// cmdHealth asks a running service on WIJKHELPT_ADDR whether it is ready;
// the container's health check uses it, as the image has no curl.
func cmdHealth(ctx context.Context, args []string, io stdio, getenv func(string) string) error {
	cfg, _, err := loadConfig("health", args, getenv, nil)
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s", resp.Status)
	}
	fmt.Fprintln(io.out, "ok")
	return nil
}
