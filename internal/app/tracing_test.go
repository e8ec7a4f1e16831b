package app_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/gojoser/gojoser/internal/apitest"
	"github.com/gojoser/gojoser/internal/app"
)

// TestTraces runs a server with an in-memory span exporter in place of OTLP and checks what a login
// and a /me leave: a server span per request, named by operation and continuing the caller's trace,
// with the password hash and the database calls inside it; and no trace of background work.
func TestTraces(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, db apitest.DB) {
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		t.Cleanup(func() { _ = tp.Shutdown(t.Context()) })
		s := apitest.StartOn(t, db.NewURL(t), map[string]string{"AUTH_CACHE_TTL": "0"}, app.Options{TracerProvider: tp})
		s.Register(t, "alice", "alice@example.com", pw)

		const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		res, body := s.Do(t, "POST", "/auth/token/login/", "application/json", jsonBody(map[string]string{"username": "alice", "password": pw}),
			map[string]string{"traceparent": "00-" + traceID + "-00f067aa0ba902b7-01"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("login: %d %s", res.StatusCode, body)
		}
		key := strings.Split(string(body), `"`)[3]
		if res, _ := s.Do(t, "GET", "/auth/users/me/", "", "", auth(key)); res.StatusCode != http.StatusOK {
			t.Fatalf("me: %d", res.StatusCode)
		}
		if res, _ := s.Do(t, "GET", "/auth/nothing-here/", "", "", nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown path: %d", res.StatusCode)
		}

		// A server span ends once its handler has returned, which may be after the client has read
		// the answer.
		var login, me, unrouted *tracetest.SpanStub
		eventually(t, "server spans", func() error {
			login, me, unrouted = nil, nil, nil
			for _, sp := range exp.GetSpans() {
				if sp.SpanKind != trace.SpanKindServer {
					continue
				}
				switch sp.Name {
				case "TokenLogin":
					login = &sp
				case "GetMe":
					me = &sp
				case "GET":
					unrouted = &sp
				}
			}
			if login == nil || me == nil || unrouted == nil {
				return fmt.Errorf("got %v", names(exp.GetSpans()))
			}
			return nil
		})
		if got := login.SpanContext.TraceID().String(); got != traceID {
			t.Errorf("login's trace %s, want the caller's %s", got, traceID)
		}
		for _, c := range []struct {
			span      *tracetest.SpanStub
			key, want string
		}{
			{login, "http.route", "/auth/token/login/"},
			{login, "oas.operation", "TokenLogin"},
			{me, "http.route", "/auth/users/me/"},
			{me, "http.response.status_code", "200"},
		} {
			if got := attr(c.span.Attributes, c.key); got != c.want {
				t.Errorf("%s: %s = %q, want %q", c.span.Name, c.key, got, c.want)
			}
		}
		if got := attr(unrouted.Attributes, "oas.operation"); got != "" {
			t.Errorf("unknown path has an operation: %q", got)
		}

		inLogin := children(exp.GetSpans(), login)
		if !slices.Contains(names(inLogin), "password.verify") {
			t.Errorf("no password.verify span in the login: %v", names(inLogin))
		}
		system := map[string]string{"sqlite": "sqlite", "postgres": "postgresql"}[db.Name]
		for _, sp := range []*tracetest.SpanStub{login, me} {
			var queries []string
			for _, c := range children(exp.GetSpans(), sp) {
				if attr(c.Attributes, "db.system.name") == system && attr(c.Attributes, "db.query.text") != "" {
					queries = append(queries, attr(c.Attributes, "db.query.text"))
				}
			}
			if len(queries) == 0 {
				t.Errorf("%s: no database span of %s inside it: %v", sp.Name, system, names(children(exp.GetSpans(), sp)))
			}
			for _, q := range queries {
				if strings.Contains(q, key) || strings.Contains(q, pw) {
					t.Errorf("%s: a credential in a query's text: %s", sp.Name, q)
				}
			}
		}
		// Everything exported belongs to a request's trace: the mail worker, the cache and the
		// token-use writer have run meanwhile without starting any.
		requests := map[trace.TraceID]bool{}
		for _, sp := range exp.GetSpans() {
			if sp.SpanKind == trace.SpanKindServer {
				requests[sp.SpanContext.TraceID()] = true
			}
		}
		for _, sp := range exp.GetSpans() {
			if !requests[sp.SpanContext.TraceID()] {
				t.Errorf("span %q outside the requests' traces", sp.Name)
			}
		}
	})
}

// children are the spans under parent, at any depth.
func children(spans tracetest.SpanStubs, parent *tracetest.SpanStub) tracetest.SpanStubs {
	under := map[trace.SpanID]bool{parent.SpanContext.SpanID(): true}
	var out tracetest.SpanStubs
	for grew := true; grew; {
		grew = false
		for _, sp := range spans {
			if under[sp.Parent.SpanID()] && !under[sp.SpanContext.SpanID()] && sp.SpanContext.TraceID() == parent.SpanContext.TraceID() {
				under[sp.SpanContext.SpanID()] = true
				out = append(out, sp)
				grew = true
			}
		}
	}
	return out
}

func names(spans tracetest.SpanStubs) []string {
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = sp.Name
	}
	return out
}

func attr(kvs []attribute.KeyValue, key string) string {
	for _, kv := range kvs {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}
