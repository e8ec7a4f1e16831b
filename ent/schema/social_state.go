package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SocialState records the social login states that were used, so that each works once on any node. A
// state carries everything else itself (signed); a row lives only until the state would have expired.
type SocialState struct {
	ent.Schema
}

func (SocialState) Fields() []ent.Field {
	return []ent.Field{
		// The state's random id.
		field.String("key").MaxLen(64).NotEmpty().Unique().Immutable(),
		field.Time("expires_at").Immutable(),
	}
}

func (SocialState) Indexes() []ent.Index {
	return []ent.Index{index.Fields("expires_at")}
}
