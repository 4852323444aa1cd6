package search_test

import (
	"testing"

	"wijkhelpt/store/storetest"
)

// TestMain shares one embedded store among the tests of this package.
func TestMain(m *testing.M) { storetest.Main(m) }
