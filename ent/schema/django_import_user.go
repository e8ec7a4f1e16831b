package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// DjangoImportUser is what `gojoser import django` last wrote of each user it imported, so that a rerun
// can tell Django's changes from gojoser's own (internal/djangoimport). The importer reads and writes it
// with plain SQL; it is declared here so that the versioned migrations create it like every other table.
type DjangoImportUser struct {
	ent.Schema
}

func (DjangoImportUser) Fields() []ent.Field {
	return []ent.Field{
		// The user's id, as in Django and in users.
		field.Int("id").Immutable(),
		// The imported fields, as the importer encodes them.
		field.Bytes("fields").Sensitive(),
		// The digest of the user's DRF token when one was imported.
		field.Bytes("token_digest").Optional().Nillable().Sensitive(),
	}
}

func (DjangoImportUser) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "django_import_users"}}
}
