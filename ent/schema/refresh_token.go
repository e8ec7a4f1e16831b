package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// RefreshToken records an issued JWT refresh token by its jti, so that refresh tokens can be
// blacklisted, rotated with reuse detection and revoked on a password change. Access tokens stay
// stateless, as in SimpleJWT.
type RefreshToken struct {
	ent.Schema
}

func (RefreshToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("jti").MaxLen(64).Unique().Immutable(),
		field.Int("user_id"),
		// Tokens descending from one login by rotation share a family; reuse of a rotated token
		// revokes the whole family.
		field.String("family").MaxLen(64),
		field.Time("created_at").Immutable(),
		field.Time("expires_at"),
		// When this token was exchanged for its successor (rotation only).
		field.Time("rotated_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

func (RefreshToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("refresh_tokens").Field("user_id").Unique().Required(),
	}
}

func (RefreshToken) Indexes() []ent.Index {
	// expires_at: the retention job deletes expired refresh tokens in batches.
	return []ent.Index{index.Fields("user_id"), index.Fields("family"), index.Fields("expires_at")}
}
