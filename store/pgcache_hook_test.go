package store

// CachesService reports whether p's availability cache holds the service, so that
// its lookups are answered without reading the database, for the tests of package
// store_test that check what the cache answers.
func CachesService(p *Postgres, merchantID, serviceID string) bool {
	return p.cache.service(string(serviceKey(merchantID, serviceID))) != nil
}
