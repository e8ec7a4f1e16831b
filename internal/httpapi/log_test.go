package httpapi_test

import (
	"strings"
	"testing"

	"github.com/gojoser/gojoser/internal/apitest"
)

// Operators read the access log; it must say what happened to each request and never carry what a
// client sent as a secret: the Authorization header, a password, a query string.
func TestAccessLogNamesRequestsNotSecrets(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var out apitest.Buffer
			s, flush := apitest.StartLogged(t, apitest.DBs(t)[0], map[string]string{"LOG_FORMAT": format}, &out)
			s.Register(t, "logan", "logan@example.com", apitest.Password)
			key := s.Login(t, "logan", apitest.Password)
			s.Do(t, "GET", "/auth/users/me/?api_key=query-secret", "", "", map[string]string{"Authorization": "Token " + key})
			s.Do(t, "GET", "/auth/users/me/", "", "", map[string]string{"Authorization": "Token 0123456789abcdef0123456789abcdef01234567"})
			// The request id the answer carries is the one the line names.
			res, _ := s.Do(t, "GET", "/auth/", "", "", map[string]string{"X-Request-Id": "trace-42"})
			if got := res.Header.Get("X-Request-Id"); got != "trace-42" {
				t.Errorf("X-Request-Id %q", got)
			}
			flush()

			logged := out.String()
			want := map[string][]string{
				"text": {`msg=request method=POST path=/auth/users/ status=201 duration_ms=`,
					`msg=request method=POST path=/auth/token/login/ status=200 duration_ms=`,
					`msg=request method=GET path=/auth/users/me/ status=200 duration_ms=`,
					`msg=request method=GET path=/auth/users/me/ status=401 duration_ms=`,
					`request_id=trace-42`},
				"json": {`"msg":"request","method":"POST","path":"/auth/users/","status":201,"duration_ms":`,
					`"msg":"request","method":"POST","path":"/auth/token/login/","status":200,"duration_ms":`,
					`"msg":"request","method":"GET","path":"/auth/users/me/","status":200,"duration_ms":`,
					`"msg":"request","method":"GET","path":"/auth/users/me/","status":401,"duration_ms":`,
					`"request_id":"trace-42"`},
			}[format]
			for _, w := range want {
				if !strings.Contains(logged, w) {
					t.Errorf("no line with %s in\n%s", w, logged)
				}
			}
			for _, secret := range []string{key, apitest.Password, "query-secret", "0123456789abcdef", "source"} {
				if strings.Contains(logged, secret) {
					t.Errorf("the log holds %q:\n%s", secret, logged)
				}
			}
		})
	}
}
