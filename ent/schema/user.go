package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is Django's auth user, reduced to what Djoser's contract exposes.
type User struct {
	ent.Schema
}

func (User) Fields() []ent.Field {
	return []ent.Field{
		// Unique and case-sensitive (BOB and bob may coexist), as in Django: see Indexes. "" when the
		// user model has no username (openapi.yaml's User names email as USERNAME_FIELD).
		field.String("username").MaxLen(150),
		// Not unique, as in Django's default user: several accounts may share an address. When email
		// logs in (GOJOSER_LOGIN_FIELD=email, or email as USERNAME_FIELD), email_key makes it unique.
		field.String("email").MaxLen(254).Default(""),
		// The email, lower-cased, while email is a login (internal/users/identity.go keeps it, on every
		// write); NULL otherwise, and NULLs never collide. Uniqueness that depends on a setting cannot
		// be a static migration's index on email itself, so it lives on this column.
		field.String("email_key").Optional().Nillable().Unique(),
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
		// When an admin (or the CLI) deactivated the account; NULL otherwise. An account that is inactive
		// because it awaits activation may be activated by its link; one an admin deactivated may not,
		// or the user could undo the deactivation with resend_activation.
		field.Time("deactivated_at").Optional().Nillable(),
	}
}

func (User) Indexes() []ent.Index {
	return []ent.Index{
		// Both SQLite's default BINARY collation and PostgreSQL compare text case-sensitively, so a
		// plain unique index is Django's rule. Partial, so that the users of a model without usernames
		// (all "") do not collide.
		index.Fields("username").Unique().Annotations(entsql.IndexWhere("username <> ''")),
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
