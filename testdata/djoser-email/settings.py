"""Django settings for recording Djoser's answers in the two email modes (see record.py).

DJOSER_MODE picks the user model:
  loginemail  Django's user (with a unique email) and Djoser's LOGIN_FIELD = "email": gojoser's
              GOJOSER_LOGIN_FIELD=email.
  emailuser   a custom user whose USERNAME_FIELD is "email", with profile fields in REQUIRED_FIELDS:
              gojoser with examples/email-user applied.
"""
import os

MODE = os.environ["DJOSER_MODE"]
SECRET_KEY = "djoser-email-recordings-0123456789abcdef0123456789"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework.authtoken",
    "djoser",
    MODE,
]
AUTH_USER_MODEL = MODE + ".User"
ROOT_URLCONF = "urls"
MIDDLEWARE = []
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
# Fast hashing: the hasher does not show on the wire.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ),
}
DJOSER = {
    "USER_CREATE_PASSWORD_RETYPE": True,
    "SET_USERNAME_RETYPE": True,
    "HIDE_USERS": True,
    # Djoser's mails need django-templated-mail, which Debian does not package; which mail is sent does
    # not show on the wire.
    "EMAIL": {k: "mailstub.Message" for k in (
        "activation", "confirmation", "password_reset", "password_changed_confirmation",
        "username_changed_confirmation", "username_reset")},
}
if MODE == "loginemail":
    DJOSER["LOGIN_FIELD"] = "email"
    # Djoser 2.1 (Debian's) passes the LOGIN_FIELD value to authenticate() as username, which Django's
    # backend looks up by USERNAME_FIELD; Djoser 2.3 passes it as LOGIN_FIELD and falls back to a lookup
    # by LOGIN_FIELD. This backend does what 2.3 does for token login, so that the recording shows the
    # wire of a current Djoser; SimpleJWT keeps Django's backend (USERNAME_FIELD), as it does there.
    AUTHENTICATION_BACKENDS = ["loginemail.backends.LoginFieldBackend"]
