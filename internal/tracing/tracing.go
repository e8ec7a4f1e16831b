// Package tracing is gojoser's OpenTelemetry tracing: on when the standard OTEL_EXPORTER_OTLP_*
// variables name a collector, off otherwise.
//
// Off, nothing is instrumented at all: no span is started, no attribute is built, the database pool is
// the plain one. That is why the generated server is built without ogen's own instrumentation, which
// costs a request even with no tracer configured (see .ogen.yml); on, requests are traced by otelhttp
// around the whole handler instead, and each server span is named after the operation, as ogen names
// its spans.
//
// Spans are made inside traces only: a request's span, its database calls (otelsql) and its password
// hashes. Background work (the mail worker, the cache refresher, retention) starts no trace of its own,
// so an idle server exports nothing.
package tracing

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/XSAM/otelsql"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Scope is the instrumentation scope of gojoser's own spans.
const Scope = "github.com/gojoser/gojoser"

// Enabled reports whether the environment (read through getenv) asks for traces: an OTLP endpoint is
// set (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), or OTEL_TRACES_EXPORTER=otlp
// asks for the default one, and neither OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none says no.
func Enabled(getenv func(string) string) bool {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || getenv("OTEL_TRACES_EXPORTER") == "none" {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" ||
		getenv("OTEL_TRACES_EXPORTER") == "otlp"
}

// NewProvider returns a tracer provider that batches spans to the OTLP collector the environment
// names, or nil when tracing is off (Enabled). The exporter reads the other OTEL_EXPORTER_OTLP_*
// variables itself (headers, TLS, timeout, compression), the SDK the OTEL_TRACES_SAMPLER*, OTEL_BSP_*
// and OTEL_RESOURCE_ATTRIBUTES ones. OTEL_SERVICE_NAME defaults to gojoser. Shut it down to send what
// is still buffered.
func NewProvider(ctx context.Context, getenv func(string) string) (*sdktrace.TracerProvider, error) {
	if !Enabled(getenv) {
		return nil, nil
	}
	if e := getenv("OTEL_TRACES_EXPORTER"); e != "" && e != "otlp" {
		return nil, fmt.Errorf("OTEL_TRACES_EXPORTER=%s: gojoser exports traces over OTLP only (otlp, or none)", e)
	}
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	var exp sdktrace.SpanExporter
	var err error
	switch protocol {
	case "", "http/protobuf":
		exp, err = otlptracehttp.New(ctx)
	case "grpc":
		exp, err = otlptracegrpc.New(ctx)
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%s: want http/protobuf (the default) or grpc", protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName("gojoser"), semconv.ServiceVersion(version())),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults above
		resource.WithTelemetrySDK(), resource.WithHost(), resource.WithProcessPID(),
	)
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// Tracing instruments gojoser with a tracer provider. A nil *Tracing instruments nothing.
type Tracing struct {
	tp         trace.TracerProvider
	propagator propagation.TextMapPropagator
}

// New returns the instrumentation for tp, or nil when tp is nil (tracing off).
func New(tp trace.TracerProvider) *Tracing {
	if tp == nil {
		return nil
	}
	return &Tracing{tp: tp, propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}
}

// Tracer is gojoser's own tracer (password hashing), or nil when t is.
func (t *Tracing) Tracer() trace.Tracer {
	if t == nil {
		return nil
	}
	return t.tp.Tracer(Scope)
}

// Handler traces every request h answers as a server span, continuing the trace a W3C traceparent
// header names. The span is named by the method until the request is known to map to an operation
// (NameSpan). t must not be nil.
func (t *Tracing) Handler(h http.Handler) http.Handler {
	return otelhttp.NewHandler(h, "gojoser",
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithPropagators(t.propagator),
		// Metrics are Prometheus's job here (internal/metrics).
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
	)
}

// NameSpan names the request's span after its operation (the generated name, as ogen's own
// instrumentation does) and records the spec's route and the operation.
func NameSpan(r *http.Request, op, route string) {
	span := trace.SpanFromContext(r.Context())
	if op != "" {
		span.SetName(op)
		span.SetAttributes(attribute.String("oas.operation", op))
	}
	if route != "" {
		span.SetAttributes(semconv.HTTPRoute(route))
	}
}

// SQLOpener opens database pools whose calls are spans (otelsql): queries, statements, transactions,
// each with its SQL text but never its arguments. Only calls made inside a trace are recorded. t must
// not be nil.
func (t *Tracing) SQLOpener() func(driverName, dsn string) (*sql.DB, error) {
	return func(driverName, dsn string) (*sql.DB, error) {
		system := semconv.DBSystemNameSQLite
		if driverName == "pgx" {
			system = semconv.DBSystemNamePostgreSQL
		}
		return otelsql.Open(driverName, dsn,
			otelsql.WithTracerProvider(t.tp),
			otelsql.WithMeterProvider(metricnoop.NewMeterProvider()),
			otelsql.WithAttributes(system),
			otelsql.WithSpanOptions(otelsql.SpanOptions{
				OmitConnResetSession: true,
				OmitRows:             true,
				OmitConnectorConnect: true,
				SpanFilter: func(ctx context.Context, _ otelsql.Method, _ string, _ []driver.NamedValue) bool {
					return trace.SpanContextFromContext(ctx).IsValid()
				},
			}),
		)
	}
}

// version is the module version gojoser was built as ("(devel)" from a checkout).
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.Main.Version
	}
	return "unknown"
}
