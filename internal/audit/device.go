package audit

import "strings"

// Personal are the event types a user sees of their own account (GET /auth/users/me/events/): what
// they did and what was done to it, not the operators' bookkeeping.
var Personal = []Type{
	UserRegistered, UserActivated, LoginSucceeded, LoginFailed, JWTCreated, Logout, LogoutAll, SessionRevoked,
	TokensRevoked, FamilyRevoked, PasswordChanged, PasswordReset, UsernameChanged, UsernameReset,
	EmailChangeRequested, EmailChanged, IdentityLinked, IdentityUnlinked, UserDeactivated, UserReactivated,
	AdminResetRequested, AdminSessionsRevoked,
}

// Device names the browser and system a user agent says it is, for people reading their own activity:
// "Firefox on Linux". It is a label, not a fact: a client sends what it likes. "" when nothing is known.
func Device(ua string) string {
	browser := first(ua, []label{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"},
		{"Safari/", "Safari"}, {"curl/", "curl"}, {"python-requests/", "Python"}, {"okhttp/", "Android app"},
		{"Go-http-client/", "Go"},
	})
	system := first(ua, []label{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	})
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	}
	return system
}

type label struct{ token, name string }

func first(ua string, labels []label) string {
	for _, l := range labels {
		if strings.Contains(ua, l.token) {
			return l.name
		}
	}
	return ""
}
