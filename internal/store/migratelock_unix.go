//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockSQLiteMigrations is SQLite's stand-in for PostgreSQL's advisory lock: processes that start
// together on one file take turns migrating. Without it, each read the pending migrations and opened a
// deferred transaction, and all but one failed with SQLITE_BUSY when their snapshot went stale (a
// deferred transaction that has read cannot wait for the writer, busy_timeout or not). The lock is an
// flock(2) on a file beside the database, not on the database itself, so that it can never meet
// SQLite's own fcntl locks; the kernel drops it if the process dies.
func lockSQLiteMigrations(ctx context.Context, dbPath string) (unlock func(), err error) {
	f, err := os.OpenFile(dbPath+"-migrate.lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the migration lock: %w", err)
	}
	// LOCK_NB and a poll rather than a blocking flock, so that a cancelled start does not hang.
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("take the migration lock: %w", err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("wait for the migration lock: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
