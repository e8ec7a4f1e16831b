package httpapi

import (
	"testing"

	"github.com/ogen-go/ogen"

	gojoser "github.com/gojoser/gojoser"
	"github.com/gojoser/gojoser/gen/oas"
)

// TestThrottledOperationsDeclare429: the operations the server throttles are exactly those whose 429
// openapi.yaml declares, so generated clients type the answer wherever it can come.
func TestThrottledOperationsDeclare429(t *testing.T) {
	doc, err := ogen.Parse(gojoser.OpenAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[oas.OperationName]bool{}
	for path, item := range doc.Paths {
		for _, m := range routedMethods {
			op := operation(item, m)
			if op == nil {
				continue
			}
			name := operationName(op.OperationID)
			r, ok := op.Responses["429"]
			if !ok {
				if _, limited := throttled[name]; limited {
					t.Errorf("%s %s (%s) is throttled but declares no 429", m, path, op.OperationID)
				}
				continue
			}
			declared[name] = true
			if r.Ref != "#/components/responses/Throttled" {
				t.Errorf("%s %s: 429 is %q, want the shared #/components/responses/Throttled", m, path, r.Ref)
			}
			if _, limited := throttled[name]; !limited {
				t.Errorf("%s %s (%s) declares 429 but nothing throttles it", m, path, op.OperationID)
			}
		}
	}
	for name := range throttled {
		if !declared[name] {
			t.Errorf("throttled lists %s, which is not in openapi.yaml with a 429", name)
		}
	}
}
