package store

import "database/sql"

// OpenSQL returns a plain database/sql handle on databaseURL, configured as Open configures Ent's
// (SQLite pragmas on every connection, the PostgreSQL pool size), for bulk work Ent is not made for:
// the Django importer's batched writes.
func OpenSQL(databaseURL string) (*sql.DB, error) {
	drv, err := openDriver(databaseURL)
	if err != nil {
		return nil, err
	}
	return drv.DB(), nil
}
