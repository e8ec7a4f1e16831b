package store

import (
	"database/sql"
	"fmt"
	"net/url"
	"time"
)

// OpenUnsynced opens a small PostgreSQL pool whose commits do not wait for the WAL to reach the disk
// (synchronous_commit=off, for this pool's sessions only): for data that may lose its last moment in
// a crash, such as throttling counters, so that a row every request updates is not held locked for
// an fsync.
func OpenUnsynced(databaseURL string) (*sql.DB, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	q := u.Query()
	q.Set("synchronous_commit", "off") // pgx sends unknown parameters as run-time settings
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}
