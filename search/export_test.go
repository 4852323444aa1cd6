package search

// Test hooks for the external tests in package search_test.

// SetStoredMappingVersion overwrites the mapping version kept inside the
// index in use, to simulate an index built by an older release.
func (ix *Index) SetStoredMappingVersion(v string) error {
	g, err := ix.acquire()
	if err != nil {
		return err
	}
	defer g.release()
	return g.idx.SetInternal(keyMappingVersion, []byte(v))
}
