package drf

// The texts Djoser clients see, worded exactly as DRF 3.14, Django 3.2, Djoser 2.3 and SimpleJWT 5.2 send
// them (English). This file is their one home: a message that reaches the wire is declared here.

// DRF's exception defaults.
const (
	MsgNotFound            = "Not found."
	MsgServerError         = "A server error occurred."
	MsgMalformedRequest    = "Malformed request."
	MsgNotAcceptable       = "Could not satisfy the request Accept header."
	MsgNotAuthenticated    = "Authentication credentials were not provided."
	MsgPermissionDenied    = "You do not have permission to perform this action."
	msgMethodNotAllowedFmt = `Method "%s" not allowed.`
	msgUnsupportedMediaFmt = `Unsupported media type "%s" in request.`
	// DRF's Throttled: "Request was throttled. Expected available in N seconds." (1 second, singular).
	msgThrottledFmt = "Request was throttled. Expected available in %d %s."
	// DRF has no 503 of its own; this is the ServiceUnavailable example from its documentation.
	MsgUnavailable = "Service temporarily unavailable, try again later."
)

// DRF's TokenAuthentication.
const (
	MsgInvalidToken        = "Invalid token."
	MsgNoCredentials       = "Invalid token header. No credentials provided."
	MsgTokenHasSpaces      = "Invalid token header. Token string should not contain spaces."
	MsgTokenInvalidChar    = "Invalid token header. Token string should not contain invalid characters."
	MsgUserInactiveDeleted = "User inactive or deleted."
)

// DRF's parsers and the serializer's "is it a dict" check.
const (
	MsgJSONParseErrorPrefix      = "JSON parse error - "
	MsgMultipartParseErrorPrefix = "Multipart form parse error - "
	MsgNoData                    = "No data provided"
	msgExpectedDictFmt           = "Invalid data. Expected a dictionary, but got %s."
	// Not DRF's: Django answers an oversized body with a bare 400 page; these keep the JSON shape.
	MsgBodyUnreadable = "Request body could not be read."
	MsgBodyTooLarge   = "Request body is too large."
)

// DRF's field messages (CharField, EmailField) and Django's validators.
const (
	MsgRequired     = "This field is required."
	MsgNull         = "This field may not be null."
	MsgBlank        = "This field may not be blank."
	MsgNotAString   = "Not a valid string."
	MsgEmail        = "Enter a valid email address."
	MsgUsername     = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
	MsgInvalidValue = "Invalid value."
	msgMaxLengthFmt = "Ensure this field has no more than %s characters."
	msgMinLengthFmt = "Ensure this field has at least %s characters."
	// DRF 3.14 CharField's ProhibitNullCharactersValidator.
	MsgNullCharacter = "Null characters are not allowed."
)

// DRF's other fields and Django's validators, for the profile fields openapi.yaml declares
// (internal/profile): RegexValidator, URLField, DateField, ChoiceField, IntegerField, BooleanField.
const (
	MsgPattern        = "Enter a valid value."
	MsgURL            = "Enter a valid URL."
	MsgDate           = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
	msgChoiceFmt      = `"%s" is not a valid choice.`
	MsgInteger        = "A valid integer is required."
	MsgIntegerTooLong = "String value too large."
	msgMaxValueFmt    = "Ensure this value is less than or equal to %d."
	msgMinValueFmt    = "Ensure this value is greater than or equal to %d."
	MsgBoolean        = "Must be a valid boolean."
	// Django's unique error for the email of a user model whose email is unique ("user with this email
	// address already exists."), which gojoser's is whenever email logs in.
	MsgEmailTaken = "user with this email address already exists."
)

// Django's default password validators.
const (
	MsgPasswordTooShort       = "This password is too short. It must contain at least 8 characters."
	MsgPasswordTooCommon      = "This password is too common."
	MsgPasswordEntirelyNumber = "This password is entirely numeric."
	MsgPasswordSimilarUser    = "The password is too similar to the username."
	MsgPasswordSimilarEmail   = "The password is too similar to the email address."
	MsgPasswordSimilarFirst   = "The password is too similar to the first name."
	MsgPasswordSimilarLast    = "The password is too similar to the last name."
)

// Djoser's serializers and views.
const (
	MsgUsernameTaken      = "A user with that username already exists."
	MsgInvalidCredentials = "Unable to log in with provided credentials."
	MsgPasswordMismatch   = "The two password fields didn't match."
	MsgUsernameMismatch   = "The two username fields didn't match."
	MsgEmailMismatch      = "The two email fields didn't match."
	MsgInvalidPassword    = "Invalid password."
	MsgInvalidUID         = "Invalid user id or user doesn't exist."
	MsgInvalidLinkToken   = "Invalid token for given user."
	MsgStaleToken         = "Stale token for given user."
	MsgEmailNotFound      = "User with given email does not exist."
	// Djoser's resend_activation with SEND_ACTIVATION_EMAIL off.
	MsgActivationDisabled = "Account activation is disabled."
)

// SimpleJWT's views and JWTAuthentication.
const (
	MsgJWTInvalid          = "Token is invalid or expired"
	MsgJWTWrongType        = "Token has wrong type"
	MsgJWTNotValidAnyType  = "Given token not valid for any token type"
	MsgJWTBlacklisted      = "Token is blacklisted"
	MsgJWTBadHeader        = "Authorization header must contain two space-delimited values"
	MsgJWTUserInactive     = "User is inactive"
	MsgJWTUserNotFound     = "User not found"
	MsgJWTNoActiveAccount  = "No active account found with the given credentials"
	MsgJWTNoActiveForToken = "No active account found for the given token."
	CodeJWTTokenNotValid   = "token_not_valid"
	CodeJWTBadHeader       = "bad_authorization_header"
	CodeJWTUserInactive    = "user_inactive"
	CodeJWTUserNotFound    = "user_not_found"
	CodeJWTNoActiveAccount = "no_active_account"
	JWTTokenClassAccess    = "AccessToken"
	JWTTokenTypeAccess     = "access"
)

// Django's CSRF failure, as DRF's SessionAuthentication reports it: PermissionDenied("CSRF Failed: " +
// Django's reason). Cookie mode refuses cross-origin requests with Django's origin-check reason.
const msgCSRFBadOriginFmt = "CSRF Failed: Origin checking failed - %s does not match any trusted origins."

// Djoser's social login (djoser.social) and the python-social-auth exceptions it passes on.
const (
	MsgSocialRedirectURI   = "redirect_uri must be in SOCIAL_AUTH_ALLOWED_REDIRECT_URIS"
	MsgSocialStateMissing  = "State could not be found in request data."
	MsgSocialStateNoCookie = "State could not be found in server-side session data."
	MsgSocialStateInvalid  = "Invalid state has been provided."
	MsgSocialCodeMissing   = "Missing needed parameter code"
	// python-social-auth's AuthCanceled: the provider refused the code (invalid_grant and the like).
	MsgSocialCanceled = "Authentication process canceled"
	// python-social-auth's AuthFailed ("Authentication failed: %s"), with gojoser's reasons.
	MsgSocialNoVerifiedEmail = "Authentication failed: the provider has not verified an email address for this account."
	MsgSocialIDToken         = "Authentication failed: the provider's ID token is invalid."
	MsgSocialAmbiguousEmail  = "Authentication failed: more than one account has this email address."
	MsgSocialInactive        = "Authentication failed: this account is inactive."
)

// gojoser's extensions, worded in DRF's manner.
const (
	MsgRoleName       = "Enter a valid role name. This value may contain only letters, numbers, and _/./- characters."
	MsgRoleTaken      = "A role with that name already exists."
	MsgRevokeOwnAdmin = "You cannot revoke your own admin role."
	// MsgDeactivateSelf: an admin's PUT/PATCH of their own is_active=false.
	MsgDeactivateSelf = "You cannot deactivate your own account."
	// MsgAdminSetsNoPassword: a password in an admin's creation of a user (ASVS 6.4.6).
	MsgAdminSetsNoPassword = "An admin does not set passwords; the user sets one from a password-reset mail."
	MsgLastLoginWay        = "You cannot unlink the only way you can log in: set a password first (reset_password mails you a link)."
)

// The audit log's filters and pagination: DRF's DateTimeField, IPAddressField and CursorPagination.
const (
	MsgDateTime      = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	MsgIPAddress     = "Enter a valid IPv4 or IPv6 address."
	MsgInvalidCursor = "Invalid cursor"
)
