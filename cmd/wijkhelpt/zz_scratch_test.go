package main

import (
	"testing"

	"wijkhelpt/store/mongo"
	"wijkhelpt/store/storetest"
)

func TestZZScratchTTL(t *testing.T) {
	uri, name, _ := storetest.MongoDatabase(t)
	t.Log(uri)
	db, err := mongo.Open(t.Context(), uri, name)
	if err != nil {
		t.Fatalf("open without WithoutTTL: %v", err)
	}
	db.Close(t.Context())
}
