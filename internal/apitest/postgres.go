package apitest

import "testing"

// Postgres returns the PostgreSQL backend, for tests about what only PostgreSQL does (several nodes
// on one database, LISTEN/NOTIFY). Without one the test is skipped (failed under CI, see DBs).
func Postgres(t testing.TB) DB {
	t.Helper()
	for _, db := range DBs(t) {
		if db.Name == "postgres" {
			return db
		}
	}
	t.Skip("needs PostgreSQL")
	return DB{}
}
