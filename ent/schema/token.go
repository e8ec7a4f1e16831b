package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Token is an opaque DRF-style auth token, one per login (device). Only the SHA-256 digest of the key is
// stored, so a database leak does not leak usable credentials.
type Token struct {
	ent.Schema
}

func (Token) Fields() []ent.Field {
	return []ent.Field{
		field.Bytes("digest").MinLen(32).MaxLen(32).Unique().Sensitive().Immutable(),
		field.Time("created").Default(time.Now).Immutable(),
		field.Time("last_used").Optional().Nillable(),
		field.Time("expires_at").Optional().Nillable(),
		// A device name given at login; empty for clients that send none.
		field.String("label").MaxLen(64).Default(""),
		field.Int("user_id").Immutable(),
	}
}

func (Token) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("tokens").Field("user_id").Unique().Required().Immutable(),
	}
}

func (Token) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id"),
		// The retention job deletes expired tokens in batches; without it each batch scans the table.
		index.Fields("expires_at"),
	}
}
