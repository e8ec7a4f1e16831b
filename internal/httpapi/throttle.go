package httpapi

import (
	"net/http"

	"github.com/ogen-go/ogen/middleware"

	"github.com/gojoser/gojoser/gen/oas"
	"github.com/gojoser/gojoser/internal/clientip"
	"github.com/gojoser/gojoser/internal/reqbody"
	"github.com/gojoser/gojoser/internal/reqinfo"
	"github.com/gojoser/gojoser/internal/throttle"
)

// limited is what an operation is throttled by. Every operation here declares the 429 response in
// openapi.yaml, and every operation that declares it is here (TestThrottledOperationsDeclare429).
type limited struct {
	names []throttle.Name
	// subject is the address or uid the request names, from its decoded body ("" for none).
	subject func(body any) string
	// inService: the users service throttles the operation itself, because what it counts (failed
	// logins) depends on the password check. It does so before validating the body too.
	inService bool
}

var throttled = map[oas.OperationName]limited{
	oas.TokenLoginOperation:           {inService: true},
	oas.JwtCreateOperation:            {inService: true},
	oas.CreateUserOperation:           {names: []throttle.Name{throttle.SignupIP}},
	oas.ResetPasswordOperation:        {names: resetLimits, subject: emailOf},
	oas.ResetUsernameOperation:        {names: resetLimits, subject: emailOf},
	oas.ResendActivationOperation:     {names: resetLimits, subject: emailOf},
	oas.ActivateUserOperation:         {names: confirmLimits, subject: uidOf},
	oas.ResetPasswordConfirmOperation: {names: confirmLimits, subject: uidOf},
	oas.ResetUsernameConfirmOperation: {names: confirmLimits, subject: uidOf},
	oas.ConfirmEmailChangeOperation:   {names: confirmLimits, subject: uidOf},
	oas.JwtRefreshOperation:           {names: []throttle.Name{throttle.JWTIP}},
	oas.JwtVerifyOperation:            {names: []throttle.Name{throttle.JWTIP}},
	oas.JwtBlacklistOperation:         {names: []throttle.Name{throttle.JWTIP}},
}

var (
	resetLimits   = []throttle.Name{throttle.ResetIP, throttle.ResetAddress}
	confirmLimits = []throttle.Name{throttle.ConfirmIP, throttle.ConfirmAccount}
)

func emailOf(body any) string {
	if r, ok := body.(*oas.EmailRequest); ok && r != nil {
		return r.Email.Value
	}
	return ""
}

func uidOf(body any) string {
	switch r := body.(type) {
	case *oas.UIDTokenRequest:
		return r.UID.Value
	case *oas.ResetPasswordConfirmRequest:
		return r.UID.Value
	case *oas.ResetUsernameConfirmRequest:
		return r.UID.Value
	}
	return ""
}

// throttleRequests is DRF's check_throttles: after authentication and the permission check (the
// generated server has run the security handler), before the view reads the body, so a throttled
// request is answered 429 whatever its body holds and costs no more than the one statement. It runs
// then in the same middleware call, so that the operations it does not limit pay one map lookup.
func throttleRequests(l *throttle.Limiter, then middleware.Middleware) middleware.Middleware {
	return func(req middleware.Request, next middleware.Next) (middleware.Response, error) {
		rule, ok := throttled[req.OperationName]
		switch {
		case !ok:
		case rule.inService:
			// A body that does not parse never reaches the service, which counts logins; DRF
			// would still have throttled it first. It names no account: a failed attempt from its IP.
			if reqbody.Err(req.Context) != nil {
				attempt, err := l.Login(req.Context, "")
				if err == nil {
					err = attempt.Failed(req.Context)
				}
				if err != nil {
					return middleware.Response{}, err
				}
			}
		default:
			var subject string
			if rule.subject != nil {
				subject = rule.subject(req.Body)
			}
			if err := l.Take(req.Context, subject, rule.names...); err != nil {
				return middleware.Response{}, err
			}
		}
		return then(req, next)
	}
}

// withRequestInfo puts what services may know of the request (internal/reqinfo) in its context, once:
// the client's address, its user agent, the host it was sent to.
func withRequestInfo(ips *clientip.Resolver, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := reqinfo.Info{IP: ips.ClientIP(r), UserAgent: r.UserAgent(), Host: r.Host, TLS: r.TLS != nil,
			RequestID: reqinfo.FromContext(r.Context()).RequestID}
		next.ServeHTTP(w, r.WithContext(reqinfo.NewContext(r.Context(), info)))
	})
}
