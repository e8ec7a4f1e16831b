package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Identity links an account at a social login provider (provider, subject) to a user, who may then log
// in through that provider.
type Identity struct {
	ent.Schema
}

func (Identity) Fields() []ent.Field {
	return []ent.Field{
		// The provider's name in /auth/o/{provider}/: google-oauth2, github, oidc.
		field.String("provider").MaxLen(64).NotEmpty().Immutable(),
		// The provider's stable id of the account (OpenID Connect's sub, GitHub's numeric id).
		field.String("subject").MaxLen(255).NotEmpty().Immutable(),
		// The verified address the provider gave when the identity was linked.
		field.String("email").MaxLen(254).Default(""),
		field.Time("created").Default(time.Now).Immutable(),
		field.Int("user_id").Immutable(),
	}
}

func (Identity) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("identities").Field("user_id").Unique().Required().Immutable(),
	}
}

func (Identity) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("provider", "subject").Unique(),
		index.Fields("user_id"),
	}
}
