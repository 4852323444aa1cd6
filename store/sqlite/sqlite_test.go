package sqlite_test

import (
	"testing"

	"wijkhelpt/store"
	"wijkhelpt/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(tb testing.TB) store.Store { return storetest.Open(tb) })
}
