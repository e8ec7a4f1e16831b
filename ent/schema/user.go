package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// User is Django's auth user, reduced to what Djoser's contract exposes.
type User struct {
	ent.Schema
}

func (User) Fields() []ent.Field {
	return []ent.Field{
		// Unique and case-sensitive (BOB and bob may coexist), as in Django. Both SQLite's default
		// BINARY collation and PostgreSQL compare text case-sensitively, so a plain unique index does it.
		field.String("username").MaxLen(150).NotEmpty().Unique(),
		// Not unique, as in Django's default user: several accounts may share an address.
		field.String("email").MaxLen(254).Default(""),
		// argon2id PHC string, or "!" for an unusable password.
		field.String("password").Sensitive(),
		field.Bool("is_active").Default(true),
		field.Time("date_joined").Default(time.Now).Immutable(),
		field.Time("last_login").Optional().Nillable(),
		// Bumped whenever outstanding account links must stop working: a link was used, the password or
		// email changed, or the user logged in. Links sign it, so a bump revokes them all at once.
		field.Int64("link_version").Default(0),
		// An address waiting for confirmation (GOJOSER_EMAIL_CHANGE_CONFIRM); "" when none.
		field.String("pending_email").MaxLen(254).Default(""),
	}
}

func (User) Edges() []ent.Edge {
	return []ent.Edge{
		// Deleting a user deletes their tokens in the same statement.
		edge.To("tokens", Token.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("roles", Role.Type),
		edge.To("refresh_tokens", RefreshToken.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("identities", Identity.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}
