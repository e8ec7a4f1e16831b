package schema

import entschema "entgo.io/ent/schema"

// internalField marks a field of User that openapi.yaml does not show; see Internal.
type internalField struct{}

// Name implements entschema.Annotation. internal/usermodel finds the mark by this name.
func (internalField) Name() string { return "GojoserInternal" }

// Internal marks a field of User as a column the API never shows, so that go generate does not ask for
// it in openapi.yaml's User (every other User field must be there, see README "Customising the user
// model"):
//
//	field.String("crm_id").Optional().Annotations(Internal())
func Internal() entschema.Annotation { return internalField{} }
