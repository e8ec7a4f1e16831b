package gojoser

import _ "embed"

// OpenAPISpec is openapi.yaml, the contract the server in gen/oas was generated from, as served at
// /openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPISpec []byte
