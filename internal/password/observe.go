package password

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Observe has h report, from now on, how long each hash waited for a free slot (wait) and trace each
// hash and verification as a span of tracer, inside a trace the caller started (a request's). Either
// may be nil; unobserved, a hash pays for neither. Call it before h is used.
//
// A verification against an unknown or unusable account (VerifyDummy) is traced like any other, so a
// trace shows no more than the answer does.
func (h *Hasher) Observe(tracer trace.Tracer, wait func(time.Duration)) {
	h.tracer, h.wait = tracer, wait
}

// Slots reports how many hashes may run at once and how many run (or hold their slot) now.
func (h *Hasher) Slots() (inUse, capacity int) {
	return cap(h.slots) - len(h.slots), cap(h.slots)
}

// span starts the span of one hash when h is traced and ctx belongs to a trace.
func (h *Hasher) span(ctx context.Context, name string) (context.Context, trace.Span) {
	if h.tracer == nil || !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx, nil
	}
	return h.tracer.Start(ctx, name, trace.WithAttributes(
		attribute.Int("gojoser.argon2.memory_kib", int(h.params.MemoryKiB)),
		attribute.Int("gojoser.argon2.time", int(h.params.Time)),
	))
}

// waited reports a hash's wait for its slot to the observer and its span.
func (h *Hasher) waited(span trace.Span, since time.Time) {
	d := time.Since(since)
	if h.wait != nil {
		h.wait(d)
	}
	if span != nil {
		span.AddEvent("slot acquired", trace.WithAttributes(attribute.Float64("gojoser.password.queue_wait_seconds", d.Seconds())))
	}
}
