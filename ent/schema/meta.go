package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// Meta holds server-generated values that every node must share, such as the secret key used when
// none is configured.
type Meta struct {
	ent.Schema
}

func (Meta) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").MaxLen(64).Unique().Immutable(),
		field.Bytes("value").Sensitive(),
	}
}
