// Command gen writes the code that maps gojoser's user model between openapi.yaml and ent/schema (see
// internal/usermodel). go generate runs it from the repository root, after Ent and before ogen:
//
//	go run ./internal/usermodel/gen
//
// It fails, writing nothing, when the two declarations disagree, and says what to change.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/gojoser/gojoser/internal/usermodel"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "usermodel:", err)
		os.Exit(1)
	}
}

func run() error {
	m, spec, err := usermodel.Load("openapi.yaml", "./ent/schema")
	if err != nil {
		return err
	}
	files, err := usermodel.Files(spec, m)
	if err != nil {
		return err
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, files[p]) {
			continue // unchanged files keep their time, so go build has nothing to redo
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}
