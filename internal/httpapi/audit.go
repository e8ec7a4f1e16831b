package httpapi

import (
	"context"
	"encoding/json"

	"github.com/go-faster/jx"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/audit"
)

func (h *Handler) ListAuditEvents(ctx context.Context, p oas.ListAuditEventsParams) (oas.ListAuditEventsRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	res, err := h.users.AuditLog(ctx, v, audit.Query{
		User: p.User.Value, Types: p.Type, Since: p.Since.Value, Until: p.Until.Value, IP: p.IP.Value,
		Cursor: p.Cursor.Value, Limit: p.Limit.Value,
	})
	if err != nil {
		return nil, err
	}
	out := &oas.AuditPage{Next: nextCursor(res.Next), Results: make([]oas.AuditEvent, len(res.Events))}
	for i, e := range res.Events {
		out.Results[i] = oas.AuditEvent{ID: int64(e.ID), Time: e.Time, Type: string(e.Type),
			Actor: nilID(e.ActorID), Subject: nilID(e.SubjectID), IP: e.IP, UserAgent: e.UserAgent, RequestID: e.RequestID,
			Detail: eventDetail(e.Detail)}
	}
	return out, nil
}

func (h *Handler) ListMyEvents(ctx context.Context, p oas.ListMyEventsParams) (oas.ListMyEventsRes, error) {
	v, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	res, err := h.users.MyEvents(ctx, v, p.Cursor.Value, p.Limit.Value)
	if err != nil {
		return nil, err
	}
	out := &oas.MyEventPage{Next: nextCursor(res.Next), Results: make([]oas.MyEvent, len(res.Events))}
	for i, e := range res.Events {
		out.Results[i] = oas.MyEvent{ID: int64(e.ID), Time: e.Time, Type: string(e.Type), IP: e.IP,
			Device: audit.Device(e.UserAgent), Detail: eventDetail(e.Detail)}
	}
	return out, nil
}

func nextCursor(c string) oas.NilString {
	if c == "" {
		return oas.NilString{Null: true}
	}
	return oas.NewNilString(c)
}

func nilID(id *int) oas.NilInt64 {
	if id == nil {
		return oas.NilInt64{Null: true}
	}
	return oas.NewNilInt64(int64(*id))
}

// eventDetail is a stored detail as the generated encoder writes it: each value as raw JSON. A value
// that does not encode (it came from the database as JSON, so none should) is left out.
func eventDetail(d map[string]any) oas.EventDetail {
	out := make(oas.EventDetail, len(d))
	for k, v := range d {
		if b, err := json.Marshal(v); err == nil {
			out[k] = jx.Raw(b)
		}
	}
	return out
}
