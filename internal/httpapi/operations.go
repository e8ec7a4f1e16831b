package httpapi

import (
	"slices"
)

// Operations lists the generated names of the spec's operations, sorted: the label values of the
// request metrics.
func Operations() []string {
	out := make([]string, 0, len(views))
	for op := range views {
		out = append(out, string(op))
	}
	slices.Sort(out)
	return out
}
