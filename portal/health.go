package portal

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// readyTimeout bounds the readiness check, so that a hanging database makes
// /readyz answer 503 rather than hang the load balancer's probe.
const readyTimeout = 3 * time.Second

// healthRoutes registers /healthz (the process is up), /readyz (it can take
// work) and /metrics. They come before identify: probes have no session and
// must not cost a database read, except /readyz, whose job that is.
func (a *App) healthRoutes(r fiber.Router) {
	r.Get("/healthz", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"status": "ok"})
	})
	r.Get("/readyz", a.handleReady)
	if a.deps.Metrics != nil {
		r.Get("/metrics", adaptor.HTTPHandler(a.deps.Metrics))
	}
}

func (a *App) handleReady(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
	defer cancel()
	ready := a.deps.Ready
	if ready == nil {
		ready = a.deps.Store.Ping
	}
	if err := ready(ctx); err != nil {
		a.log.WarnContext(ctx, "not ready", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable"})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
