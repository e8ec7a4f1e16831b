// Package gojoser holds the code-generation entry points. Generated code is committed; CI checks that
// `go generate ./...` on a clean checkout changes nothing. Generators are pinned as go.mod tools.
// internal/usermodel reads the user model from openapi.yaml and ent/schema (failing when they disagree),
// writes the code between them and the copy of the spec that ogen reads (gen/openapi.ogen.yaml).
package gojoser

//go:generate go tool ent generate --feature sql/upsert,sql/lock,sql/modifier,sql/execquery ./ent/schema
//go:generate go run ./internal/usermodel/gen
//go:generate go tool ogen --target gen/oas --package oas --clean --config .ogen.yml gen/openapi.ogen.yaml
