package apitest

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Recording is Djoser's answers to a series of requests, as testdata/djoser-email/record.py writes them
// from a real Djoser (Debian's packages).
type Recording struct {
	RecordedWith map[string]string `json:"recorded_with"`
	Mode         string            `json:"mode"`
	Password     string            `json:"password"`
	Exchanges    []Exchange        `json:"exchanges"`
}

// Exchange is one request and Djoser's answer. Response may hold {{name}} placeholders for values that
// differ between runs (tokens); Auth names the user whose token ({{<auth>.token}}) the request carries.
type Exchange struct {
	Name     string  `json:"name"`
	Method   string  `json:"method"`
	Path     string  `json:"path"`
	Body     *string `json:"body"`
	Auth     *string `json:"auth"`
	Status   int     `json:"status"`
	Response string  `json:"response"`
}

// Deviation is gojoser's answer to an exchange where it differs from Djoser on purpose, and why.
type Deviation struct {
	Status   int
	Response string // with placeholders, as Exchange.Response; "*" for any body
	Why      string
}

// LoadRecording reads a recording.
func LoadRecording(t testing.TB, path string) Recording {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r Recording
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

var placeholder = regexp.MustCompile(`\{\{([a-z0-9_.]+)\}\}`)

// Replay sends the recorded requests to s in order, each as a subtest, and checks that gojoser answers
// with Djoser's status and body, or with the deviation named after the exchange. Every deviation must
// be used, so that the list cannot outlive a difference that was fixed. vars collects the values the
// placeholders stand for as they are first answered.
func (s *Server) Replay(t *testing.T, rec Recording, vars map[string]string, deviations map[string]Deviation) {
	t.Helper()
	used := map[string]bool{}
	for _, ex := range rec.Exchanges {
		want, status := ex.Response, ex.Status
		if d, ok := deviations[ex.Name]; ok {
			used[ex.Name] = true
			want, status = d.Response, d.Status
		}
		t.Run(ex.Name, func(t *testing.T) {
			headers := map[string]string{}
			if ex.Auth != nil {
				headers["Authorization"] = "Token " + vars[*ex.Auth+".token"]
			}
			body, ct := "", ""
			if ex.Body != nil {
				body, ct = *ex.Body, "application/json"
			}
			res, got := s.Do(t, ex.Method, ex.Path, ct, body, headers)
			if res.StatusCode != status {
				t.Errorf("%s %s %s: status %d, want %d (Djoser: %d %s); body %s", ex.Method, ex.Path, body, res.StatusCode, status, ex.Status, ex.Response, got)
			}
			if want != "*" && !matchPlaceholders(want, string(got), vars) {
				t.Errorf("%s %s %s:\n got %s\nwant %s", ex.Method, ex.Path, body, got, Expand(want, vars))
			}
		})
	}
	for name := range deviations {
		if !used[name] {
			t.Errorf("deviation %q names no exchange of the recording", name)
		}
	}
}

// matchPlaceholders reports whether got is want with its placeholders filled: from vars where known,
// and else by whatever stands there, which vars then learns.
func matchPlaceholders(want, got string, vars map[string]string) bool {
	want = Expand(want, vars)
	if !placeholder.MatchString(want) {
		return got == want
	}
	var names []string
	var re strings.Builder
	re.WriteString("^")
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(want, -1) {
		re.WriteString(regexp.QuoteMeta(want[last:m[0]]))
		re.WriteString(`([^"]+)`)
		names = append(names, want[m[2]:m[3]])
		last = m[1]
	}
	re.WriteString(regexp.QuoteMeta(want[last:]) + "$")
	sub := regexp.MustCompile(re.String()).FindStringSubmatch(got)
	if sub == nil {
		return false
	}
	for i, n := range names {
		vars[n] = sub[i+1]
	}
	return true
}
