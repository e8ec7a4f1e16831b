package auth

import (
	"context"
	"database/sql"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// NotifyChannel carries user ids whose cached tokens every node must forget, as a payload of decimal ids
// separated by commas, or "*" for all of them. The Django importer publishes on it too.
const NotifyChannel = "gojoser_auth"

// Notifier spreads cache invalidations between gojoser nodes sharing one PostgreSQL database, through
// LISTEN/NOTIFY: no extra infrastructure, and a NOTIFY sent after a commit reaches every listener.
type Notifier struct {
	url   string
	db    *sql.DB
	cache *Cache
	log   *slog.Logger

	ready     chan struct{}
	readyOnce sync.Once

	// Recheck brings every cached entry up to date with the database after the listener was
	// disconnected (Authenticator.Recheck). Nil: the cache is flushed instead.
	Recheck func(ctx context.Context) error
}

// NewNotifier returns a Notifier for the PostgreSQL database at url; db is used to publish.
func NewNotifier(url string, db *sql.DB, cache *Cache, log *slog.Logger) *Notifier {
	return &Notifier{url: url, db: db, cache: cache, log: log, ready: make(chan struct{})}
}

// Ready is closed once the first LISTEN is in place (and its flush done). Whatever fills the cache at
// start waits for it: the flush would otherwise throw that work away.
func (n *Notifier) Ready() <-chan struct{} { return n.ready }

// flushAll is the payload that tells every node to forget everything.
const flushAll = "*"

// Publish tells every node, this one included, to forget the users' cached tokens, or all of them.
func (n *Notifier) Publish(ctx context.Context, all bool, ids []int) {
	payload := flushAll
	if !all {
		if len(ids) == 0 {
			return
		}
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.Itoa(id)
		}
		payload = strings.Join(parts, ",")
	}
	if _, err := n.db.ExecContext(context.WithoutCancel(ctx), "SELECT pg_notify($1, $2)", NotifyChannel, payload); err != nil {
		// Other nodes will catch up when their entries expire; say so loudly.
		n.log.Error("auth cache invalidation not published; other nodes may serve revoked tokens until the cache TTL", "err", err)
	}
}

// Listen applies other nodes' invalidations until ctx ends, reconnecting as needed. While it is not
// connected (the database restarting, a network blip) the cache keeps answering from what it holds, each
// entry no longer than the cache TTL, so a short outage does not log anyone out. It cannot know what it
// missed meanwhile, so on reconnecting it re-checks every cached token (Recheck), or forgets them all
// when that fails.
func (n *Notifier) Listen(ctx context.Context) {
	for ctx.Err() == nil {
		if err := n.listenOnce(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("auth cache listener disconnected; cached tokens are served until they expire; retrying", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (n *Notifier) listenOnce(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, n.url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	// Listening now: whatever changes from here on arrives as a notification. What changed before is
	// caught up with once; at the first connection the cache holds nothing worth keeping.
	select {
	case <-n.ready:
		if n.Recheck == nil {
			n.cache.Flush()
		} else if err := n.Recheck(ctx); err != nil {
			n.log.Warn("auth cache not re-checked after reconnecting; flushed", "err", err)
			n.cache.Flush()
		}
	default:
		n.cache.Flush()
		n.readyOnce.Do(func() { close(n.ready) })
	}
	for {
		note, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if note.Payload == flushAll {
			n.cache.Flush()
			continue
		}
		var ids []int
		for _, p := range strings.Split(note.Payload, ",") {
			if id, err := strconv.Atoi(p); err == nil {
				ids = append(ids, id)
			}
		}
		n.cache.InvalidateUser(ids...)
	}
}
