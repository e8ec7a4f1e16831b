package usermodel

import (
	"fmt"
	"os"
)

// maxFields is how many profile fields the generated Changes can track (one bit each).
const maxFields = 64

// Load reads openapi.yaml at specPath and the Ent schema in schemaDir and returns the user model, or
// every disagreement between them.
func Load(specPath, schemaDir string) (*Model, []byte, error) {
	data, err := os.ReadFile(specPath)
	if err != nil {
		return nil, nil, err
	}
	ent, err := loadEnt(schemaDir)
	if err != nil {
		return nil, nil, err
	}
	m, err := Check(data, ent)
	return m, data, err
}

// Check reads the user model from the spec and pairs it with the Ent fields.
func Check(spec []byte, ent []*EntField) (*Model, error) {
	s, err := readSpec(spec)
	if err != nil {
		return nil, err
	}
	var problems Problems
	m := specModel(s, &problems)
	if m == nil {
		return nil, problems.Err()
	}
	checkEnt(m, ent, &problems)
	if len(m.Fields) > maxFields {
		problems.add("openapi.yaml User: %d profile fields; gojoser handles at most %d", len(m.Fields), maxFields)
	}
	if err := problems.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// Files are the generated files, by path from the repository root.
func Files(spec []byte, m *Model) (map[string][]byte, error) {
	ogenSpec, err := OgenSpec(spec, m)
	if err != nil {
		return nil, err
	}
	prof, err := profileFile(m)
	if err != nil {
		return nil, fmt.Errorf("profile_gen.go: %w", err)
	}
	conv, err := convertersFile(m)
	if err != nil {
		return nil, fmt.Errorf("httpapi/profile_gen.go: %w", err)
	}
	return map[string][]byte{
		OgenSpecPath:       ogenSpec,
		ProfileFilePath:    prof,
		ConvertersFilePath: conv,
	}, nil
}

// Where the generated files go.
const (
	OgenSpecPath       = "gen/openapi.ogen.yaml"
	ProfileFilePath    = "internal/profile/profile_gen.go"
	ConvertersFilePath = "internal/httpapi/profile_gen.go"
)
