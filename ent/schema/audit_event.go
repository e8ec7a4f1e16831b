package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AuditEvent is one security event (internal/audit): who did what to whom, from where. Users are
// referenced by id without foreign keys, so a deleted user's history stays. It holds no secret: never a
// password, token, key, link token or hash.
type AuditEvent struct {
	ent.Schema
}

func (AuditEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Time("time").Default(time.Now).Immutable(),
		field.String("type").MaxLen(64).Immutable(),
		// Who acted: a user or admin; nil is anonymous (a login attempt, a link, the command line).
		field.Int("actor_id").Optional().Nillable().Immutable(),
		// The user acted upon; nil when there is none, or none that may be named (an unknown username).
		field.Int("subject_id").Optional().Nillable().Immutable(),
		// The client's address by the throttling rule (internal/clientip); "" when unknown.
		field.String("ip").MaxLen(64).Default("").Immutable(),
		field.String("user_agent").MaxLen(512).Default("").Immutable(),
		field.String("request_id").MaxLen(64).Default("").Immutable(),
		// A small JSON object whose keys depend on the type (README, "Security events").
		field.JSON("detail", map[string]any{}).Optional().Immutable(),
	}
}

// Indexes serve the reads: a user's events (as actor or subject), the whole log by time, by type
// and by address, newest first, with (time, id) as the cursor.
func (AuditEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("time"),
		index.Fields("subject_id", "time"),
		index.Fields("actor_id", "time"),
		index.Fields("type", "time"),
		index.Fields("ip", "time"),
	}
}

func (AuditEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "audit_events"}}
}
