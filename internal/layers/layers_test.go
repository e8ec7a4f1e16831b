package layers_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/gojoser/gojoser"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// packages lists the module's packages with their imports and dependencies, as the go command sees
// them (go list is what golang.org/x/tools/go/packages runs too).
func packages(t *testing.T) map[string]pkg {
	t.Helper()
	readSources(t)
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", module+"/...")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]pkg{}
	for dec := json.NewDecoder(&out); dec.More(); {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// readSources reads every Go file of the module. go list runs in another process, which go test's
// result cache cannot see; reading the files here makes a change to any of them rerun the test.
func readSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			_, err = os.ReadFile(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOnlyTheHTTPAdapterKnowsTheGeneratedServer: nothing under internal/ depends on gen/oas but the HTTP
// adapter (httpapi), the composition root (app) and the test harness that starts the whole app
// (apitest). Services return domain errors and take domain types; converting to and from the wire is
// the adapter's job.
func TestOnlyTheHTTPAdapterKnowsTheGeneratedServer(t *testing.T) {
	allowed := []string{"internal/httpapi", "internal/app", "internal/apitest"}
	for path, p := range packages(t) {
		rel, ok := strings.CutPrefix(path, module+"/")
		if !ok || !strings.HasPrefix(rel, "internal/") || slices.Contains(allowed, rel) {
			continue
		}
		if slices.Contains(p.Deps, module+"/gen/oas") {
			t.Errorf("%s depends on gen/oas", rel)
		}
	}
}

// TestServicesKnowNoHTTP: the services and everything of ours they build on import neither net/http nor
// the body parser. Third-party libraries are left out: validator/v10 imports net/http for its own URL
// checks, which does not make our services speak HTTP.
func TestServicesKnowNoHTTP(t *testing.T) {
	pkgs := packages(t)
	forbidden := []string{"net/http", module + "/internal/reqbody", module + "/gen/oas"}
	for _, service := range []string{"internal/users", "internal/outbox", "internal/drf", "internal/viewer", "internal/tokens", "internal/throttle", "internal/reqinfo", "internal/webhook"} {
		root, ok := pkgs[module+"/"+service]
		if !ok {
			t.Fatalf("no package %s", service)
		}
		for _, dep := range append([]string{root.ImportPath}, root.Deps...) {
			p, ours := pkgs[dep]
			if !ours {
				continue
			}
			if slices.Contains(forbidden, dep) {
				t.Errorf("%s depends on %s", service, dep)
			}
			for _, imp := range p.Imports {
				if slices.Contains(forbidden, imp) {
					t.Errorf("%s depends on %s, which imports %s", service, strings.TrimPrefix(dep, module+"/"), imp)
				}
			}
		}
	}
}
