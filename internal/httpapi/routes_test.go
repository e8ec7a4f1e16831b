package httpapi

import (
	"slices"
	"strings"
	"testing"

	"github.com/ogen-go/ogen"

	gojoser "github.com/gojoser/gojoser"
	"github.com/gojoser/gojoser/gen/oas"
)

// TestEveryOperationIsClassified: an operation added to openapi.yaml must get an entry in views (what
// Django and DRF do around it), and views must not keep entries for operations that are gone.
func TestEveryOperationIsClassified(t *testing.T) {
	t.Parallel()
	doc, err := ogen.Parse(gojoser.OpenAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	inSpec := map[oas.OperationName]bool{}
	for path, item := range doc.Paths {
		for _, m := range routedMethods {
			if op := operation(item, m); op != nil {
				name := operationName(op.OperationID)
				inSpec[name] = true
				if _, ok := views[name]; !ok {
					t.Errorf("%s %s (%s) is not classified in views", m, path, op.OperationID)
				}
			}
		}
	}
	for name := range views {
		if !inSpec[name] {
			t.Errorf("views classifies %s, which openapi.yaml does not declare", name)
		}
	}
	if _, err := newRoutes(gojoser.OpenAPISpec); err != nil {
		t.Fatal(err)
	}
}

// TestRoutesAgreeWithGeneratedRouter checks the route table against the generated router, which it
// replaced on the request path: for every path of the spec with its parameters spelled many ways, with
// and without its trailing slash, the table maps exactly the methods the generated router finds, except
// that a token id is digits only (other words under /auth/token/ are Djoser's own routes, or 404).
func TestRoutesAgreeWithGeneratedRouter(t *testing.T) {
	t.Parallel()
	table, err := newRoutes(gojoser.OpenAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := oas.NewServer(oas.UnimplementedHandler{}, security{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ogen.Parse(gojoser.OpenAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	values := []string{"1", "42", "007", "me", "login", "logout", "logoutall", "roles", "tokens", "admin", "abc", "a.b", "-1"}
	var paths []string
	for pattern := range doc.Paths {
		expanded := []string{pattern}
		for strings.Contains(expanded[0], "{") {
			var next []string
			for _, p := range expanded {
				i, j := strings.Index(p, "{"), strings.Index(p, "}")
				for _, v := range values {
					next = append(next, p[:i]+v+p[j+1:])
				}
			}
			expanded = next
		}
		for _, p := range expanded {
			paths = append(paths, p, strings.TrimSuffix(p, "/"), p+"extra/")
		}
	}
	paths = append(paths, "/", "/auth/", "/auth", "/auth/users/1/roles/", "/auth/token/1/x/", "//auth/users/")
	for _, path := range paths {
		var want []string
		for _, m := range routedMethods {
			r, ok := srv.FindRoute(m, path)
			if ok && !(r.OperationID() == "revokeToken" && !digits(r.Args()[0])) {
				want = append(want, m)
			}
		}
		var got []string
		if rt := table.lookup(path); rt != nil {
			got = rt.methods
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: table maps %v, generated router %v", path, got, want)
		}
	}
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
