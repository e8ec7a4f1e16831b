package tracing

import (
	"context"
	"strings"
	"testing"
)

func TestEnabledByTheStandardVariables(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"nothing set: off", nil, false},
		{"an endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true},
		{"a traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true},
		{"otlp asked for, default endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true},
		{"headers alone name no collector", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a=b"}, false},
		{"SDK disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, false},
		{"exporter none", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Enabled(func(k string) string { return c.env[k] }); got != c.want {
				t.Errorf("Enabled = %v, want %v", got, c.want)
			}
		})
	}
}

func TestNewProvider(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string // "" : a provider (or nil when off)
		wantNil bool
	}{
		{"off", nil, "", true},
		{"http/protobuf by default", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, "", false},
		{"grpc", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "", false},
		{"http/json is refused", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, "OTEL_EXPORTER_OTLP_PROTOCOL=http/json", false},
		{"another exporter is refused", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_TRACES_EXPORTER": "zipkin"}, "OTEL_TRACES_EXPORTER=zipkin", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp, err := NewProvider(context.Background(), func(k string) string { return c.env[k] })
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (tp == nil) != c.wantNil {
				t.Fatalf("provider = %v, want nil: %v", tp, c.wantNil)
			}
			if tp != nil {
				_ = tp.Shutdown(context.Background())
			}
		})
	}
}
