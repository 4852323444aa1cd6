package store_test

import (
	"testing"

	"wijkhelpt/store/storetest"
)

// One embedded FerretDB serves every test of this package, each test on a
// database of its own.
func TestMain(m *testing.M) { storetest.Main(m) }
