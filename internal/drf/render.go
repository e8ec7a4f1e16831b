package drf

import (
	"encoding/json"
	"errors"
)

// HTTP status codes, spelled out here so that the services returning these errors need not import
// net/http for them.
const (
	StatusBadRequest           = 400
	StatusUnauthorized         = 401
	StatusForbidden            = 403
	StatusNotFound             = 404
	StatusMethodNotAllowed     = 405
	StatusNotAcceptable        = 406
	StatusRequestTooLarge      = 413
	StatusUnsupportedMediaType = 415
	StatusTooManyRequests      = 429
	StatusServerError          = 500
	StatusUnavailable          = 503
)

var statusOf = [...]int{
	ServerError:          StatusServerError,
	BadRequest:           StatusBadRequest,
	NotAuthenticated:     StatusUnauthorized,
	AuthenticationFailed: StatusUnauthorized,
	PermissionDenied:     StatusForbidden,
	NotFound:             StatusNotFound,
	MethodNotAllowed:     StatusMethodNotAllowed,
	NotAcceptable:        StatusNotAcceptable,
	RequestTooLarge:      StatusRequestTooLarge,
	UnsupportedMediaType: StatusUnsupportedMediaType,
	Throttled:            StatusTooManyRequests,
	Unavailable:          StatusUnavailable,
}

// Response is an error as it goes on the wire.
type Response struct {
	Status int
	Body   []byte // JSON
	// RetryAfter is the Retry-After header in seconds; 0 for none.
	RetryAfter int
	// BearerRealm asks for SimpleJWT's WWW-Authenticate: Bearer realm="api" (401s of the JWT views).
	BearerRealm bool
}

type detailBody struct {
	Detail string `json:"detail"`
}

// Render is the one table from errors to answers. known is false for an error it does not know, which
// is a 500 whose cause the caller logs and never sends.
func Render(err error) (r Response, known bool) {
	var (
		e  *Error
		fe *FieldErrors
		be *BearerError
		le List
		me Message
	)
	switch {
	case errors.As(err, &fe):
		return marshal(StatusBadRequest, fe), true
	case errors.As(err, &be):
		r = marshal(StatusUnauthorized, be)
		r.BearerRealm = be.View
		return r, true
	case errors.As(err, &le):
		return marshal(StatusBadRequest, []string(le)), true
	case errors.As(err, &me):
		return marshal(StatusBadRequest, string(me)), true
	case errors.As(err, &e) && e.Kind != ServerError:
		r = marshal(statusOf[e.Kind], detailBody{e.Detail})
		if e.Kind == Throttled || e.Kind == Unavailable {
			r.RetryAfter = max(e.Wait, 1)
		}
		return r, true
	}
	return marshal(StatusServerError, detailBody{MsgServerError}), false
}

func marshal(status int, body any) Response {
	b, err := json.Marshal(body)
	if err != nil {
		return Response{Status: StatusServerError, Body: []byte(`{"detail":"` + MsgServerError + `"}`)}
	}
	return Response{Status: status, Body: b}
}
