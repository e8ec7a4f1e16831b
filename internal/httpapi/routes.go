package httpapi

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ogen-go/ogen"

	"github.com/gojoser/gojoser/gen/oas"
)

// view is what Django's URLconf and DRF's view classes do around an operation and the spec cannot say.
// Every operation in openapi.yaml needs an entry: the server refuses to start without one, and
// TestEveryOperationIsClassified says which is missing.
type view struct {
	// public: the view's fallback permission is AllowAny (a DRF APIView: token login, SimpleJWT's
	// views), so a method it does not map is a 405 even for an anonymous request. Djoser's viewset
	// routes authenticate first: an anonymous GET /auth/users/activation/ is a 401.
	public bool
	// slashOptional: Djoser's URLconf also matches the path without its trailing slash, and answers
	// there instead of redirecting.
	slashOptional bool
	// object: a detail route, where DRF looks up and authorises the user (get_object) before it reads
	// the body, so a 404 or 403 wins over a body error.
	object bool
}

var views = map[oas.OperationName]view{
	oas.ApiRootOperation:                  {public: true},
	oas.CreateUserOperation:               {},
	oas.ListUsersOperation:                {},
	oas.GetMeOperation:                    {},
	oas.UpdateMeOperation:                 {},
	oas.PartialUpdateMeOperation:          {},
	oas.DeleteMeOperation:                 {},
	oas.GetUserOperation:                  {object: true},
	oas.UpdateUserOperation:               {object: true},
	oas.PartialUpdateUserOperation:        {object: true},
	oas.DeleteUserOperation:               {object: true},
	oas.ActivateUserOperation:             {},
	oas.ResendActivationOperation:         {},
	oas.SetPasswordOperation:              {},
	oas.ResetPasswordOperation:            {},
	oas.ResetPasswordConfirmOperation:     {},
	oas.SetUsernameOperation:              {},
	oas.ResetUsernameOperation:            {},
	oas.ResetUsernameConfirmOperation:     {},
	oas.ConfirmEmailChangeOperation:       {},
	oas.TokenLoginOperation:               {public: true, slashOptional: true},
	oas.TokenLogoutOperation:              {slashOptional: true},
	oas.JwtCreateOperation:                {public: true, slashOptional: true},
	oas.JwtRefreshOperation:               {public: true, slashOptional: true},
	oas.JwtVerifyOperation:                {public: true, slashOptional: true},
	oas.JwtBlacklistOperation:             {public: true, slashOptional: true},
	oas.GetJWKSOperation:                  {},
	oas.ListMyTokensOperation:             {},
	oas.RevokeTokenOperation:              {},
	oas.LogoutAllOperation:                {},
	oas.ListUserTokensOperation:           {},
	oas.RevokeUserTokensOperation:         {},
	oas.RequestUserPasswordResetOperation: {},
	oas.ListAuditEventsOperation:          {},
	oas.ListMyEventsOperation:             {},
	oas.GetMyRolesOperation:               {},
	oas.ListRolesOperation:                {},
	oas.CreateRoleOperation:               {},
	oas.ListUserRolesOperation:            {},
	oas.GrantRoleOperation:                {},
	oas.RevokeRoleOperation:               {},
	// Djoser's ProviderAuthView is a generics.CreateAPIView with AllowAny.
	oas.SocialAuthURLOperation:    {public: true},
	oas.SocialLoginOperation:      {public: true},
	oas.ListMyIdentitiesOperation: {},
	oas.UnlinkIdentityOperation:   {},
}

// routedMethods are the methods the spec may map, in the order DRF lists them in Allow.
var routedMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// route is one path of the spec: the operations it maps and what DRF answers around them.
type route struct {
	pattern string // the spec's path, e.g. /auth/users/{id}/
	parts   []part // pattern split at "/", for paths with parameters
	ops     map[string]oas.OperationName
	methods []string // mapped methods, in routedMethods order
	allow   string   // DRF's Allow header for them
	public  bool     // an unmapped method needs no authentication (see view.public)
	// slashOptional: the path is also matched without its trailing slash (see view.slashOptional).
	slashOptional bool
}

// part is one segment of a pattern: a literal, or a parameter matching any non-empty segment (or, when
// the spec gives one, its pattern).
type part struct {
	literal string
	param   bool
	re      *regexp.Regexp
}

// routes is every path of the spec. Paths without parameters win over those with, as in Django's
// URLconf, where Djoser lists its fixed routes first, and as in the generated router.
type routes struct {
	static   map[string]*route
	patterns []*route
	// prefixes are the first segments of the spec's paths ("/auth/", "/.well-known/"): everything under
	// them belongs to the API, mapped or not.
	prefixes []string
}

// newRoutes reads the table from the spec the server was generated from.
func newRoutes(spec []byte) (*routes, error) {
	doc, err := ogen.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("parse openapi.yaml: %w", err)
	}
	t := &routes{static: map[string]*route{}}
	for pattern, item := range doc.Paths {
		r := &route{pattern: pattern, ops: map[string]oas.OperationName{}}
		for _, m := range routedMethods {
			op := operation(item, m)
			if op == nil {
				continue
			}
			name := operationName(op.OperationID)
			v, ok := views[name]
			if !ok {
				return nil, fmt.Errorf("openapi.yaml: operation %s (%s %s) is not classified in httpapi.views", op.OperationID, m, pattern)
			}
			r.ops[m] = name
			r.methods = append(r.methods, m)
			r.public = r.public || v.public
			r.slashOptional = r.slashOptional || v.slashOptional
		}
		if len(r.methods) == 0 {
			continue
		}
		r.allow = formatAllow(r.methods)
		if !strings.Contains(pattern, "{") {
			t.static[pattern] = r
		} else {
			if r.parts, err = parsePattern(doc, item, pattern); err != nil {
				return nil, err
			}
			t.patterns = append(t.patterns, r)
		}
		if first, _, ok := strings.Cut(strings.TrimPrefix(pattern, "/"), "/"); ok {
			if p := "/" + first + "/"; !slices.Contains(t.prefixes, p) {
				t.prefixes = append(t.prefixes, p)
			}
		}
	}
	// Map order must not decide which of two patterns matches a path.
	slices.SortFunc(t.patterns, func(a, b *route) int { return strings.Compare(a.pattern, b.pattern) })
	return t, nil
}

func operation(item *ogen.PathItem, method string) *ogen.Operation {
	switch method {
	case http.MethodGet:
		return item.Get
	case http.MethodPost:
		return item.Post
	case http.MethodPut:
		return item.Put
	case http.MethodPatch:
		return item.Patch
	case http.MethodDelete:
		return item.Delete
	}
	return nil
}

// operationName is the generated name of an operationId: ogen capitalises its first letter.
func operationName(id string) oas.OperationName {
	r, n := utf8.DecodeRuneInString(id)
	return oas.OperationName(string(unicode.ToUpper(r)) + id[n:])
}

// parsePattern splits pattern into parts, taking each parameter's pattern from the spec.
func parsePattern(doc *ogen.Spec, item *ogen.PathItem, pattern string) ([]part, error) {
	params := map[string]string{}
	for _, p := range item.Parameters {
		if ref, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
			p = doc.Components.Parameters[ref]
		}
		if p != nil && p.In == "path" && p.Schema != nil {
			params[p.Name] = p.Schema.Pattern
		}
	}
	var parts []part
	for _, seg := range strings.Split(pattern, "/") {
		name, isParam := strings.CutPrefix(seg, "{")
		if !isParam {
			parts = append(parts, part{literal: seg})
			continue
		}
		p := part{param: true}
		if expr := params[strings.TrimSuffix(name, "}")]; expr != "" {
			re, err := regexp.Compile(expr)
			if err != nil {
				return nil, fmt.Errorf("openapi.yaml: %s: pattern of {%s}: %w", pattern, name, err)
			}
			p.re = re
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// lookup returns the route of path, or nil.
func (t *routes) lookup(path string) *route {
	if r, ok := t.static[path]; ok {
		return r
	}
	for _, r := range t.patterns {
		if r.match(path) {
			return r
		}
	}
	return nil
}

// match reports whether path fits the route's pattern, segment by segment, without allocating.
func (r *route) match(path string) bool {
	rest := path
	for i, p := range r.parts {
		seg, tail, more := strings.Cut(rest, "/")
		if more != (i < len(r.parts)-1) {
			return false
		}
		switch {
		case !p.param:
			if seg != p.literal {
				return false
			}
		case seg == "", p.re != nil && !p.re.MatchString(seg):
			return false
		}
		rest = tail
	}
	return true
}

// isAPI reports whether path belongs to the API (and so never to a static frontend).
func (t *routes) isAPI(path string) bool {
	for _, p := range t.prefixes {
		if strings.HasPrefix(path, p) || path == strings.TrimSuffix(p, "/") {
			return true
		}
	}
	return false
}

// formatAllow renders DRF's Allow header: mapped methods, HEAD when GET is mapped, and OPTIONS.
func formatAllow(methods []string) string {
	out := slices.Clone(methods)
	if slices.Contains(methods, http.MethodGet) {
		out = append(out, http.MethodHead)
	}
	return strings.Join(append(out, http.MethodOptions), ", ")
}
