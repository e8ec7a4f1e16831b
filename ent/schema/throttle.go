package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Throttle is one abuse-protection counter (internal/throttle): a limit and whom it counts, e.g. failed
// logins from one client IP. Every node shares the table, so nodes on one database enforce one limit. The
// counter is a GCRA bucket: the statement that checks it also takes from it, in one round trip. Times are
// milliseconds since the Unix epoch, so both dialects do the arithmetic in SQL alike.
type Throttle struct {
	ent.Schema
}

func (Throttle) Fields() []ent.Field {
	return []ent.Field{
		// The limit's name and keyed hashes of whom it counts ("login_account:<account>:<ip>"); never an
		// address or IP in clear.
		field.String("id").StorageKey("key").MaxLen(128).NotEmpty().Immutable(),
		// The theoretical arrival time: the bucket is empty once it has passed, and a request is let
		// through while it is at most (burst-1) intervals ahead of now.
		field.Int64("tat"),
		// Consecutive takes while the row lived: what exponential backoff counts.
		field.Int("streak").Default(0),
		// Requests refused (mail caps count what they suppress).
		field.Int("denied").Default(0),
		// When the row means nothing any more and the cleanup job deletes it.
		field.Int64("expires"),
	}
}

func (Throttle) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("expires"),
	}
}
