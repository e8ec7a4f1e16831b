// Package gojoser holds the code-generation entry points. Generated code is committed; CI checks that
// `go generate ./...` on a clean checkout changes nothing. Generators are pinned as go.mod tools.
package gojoser

//go:generate go tool ent generate --feature sql/upsert,sql/lock,sql/modifier,sql/execquery ./ent/schema
//go:generate go tool ogen --target gen/oas --package oas --clean --config .ogen.yml openapi.yaml
