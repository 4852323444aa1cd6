package notify_test

import (
	"strings"
	"testing"
	"time"
)

func TestDebugRelay(t *testing.T) {
	e := newEnv(t, true)
	e.tw.SetFaults(faulty(1))
	t0 := time.Now()
	e.confirmations(1000)
	t.Logf("stored in %v", time.Since(t0))
	for i := 0; i < 20; i++ {
		time.Sleep(2 * time.Second)
		p, _ := e.db.RequestsWithPendingMessages(t.Context(), 1000)
		t.Logf("%v: pending requests %d, calls %d, msgs %d", time.Since(t0), len(p), e.tw.Calls(), len(e.tw.Messages()))
	}
	n := 0
	for _, l := range strings.Split(e.log.String(), "\n") {
		if strings.Contains(l, "ERROR") || strings.Contains(l, "WARN") {
			n++
			if n < 30 {
				t.Log(l)
			}
		}
	}
	t.Log(n, "warnings/errors")
}
