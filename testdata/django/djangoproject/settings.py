"""A small Django + DRF + Djoser + SimpleJWT project, as a team moving to gojoser runs it.

The database comes from DJANGO_DATABASE, in the URL form `gojoser import django --from` takes:
sqlite:/path/db.sqlite3 (the default, db.sqlite3 beside manage.py) or postgres://user@host:port/name.
"""
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent

# gojoser's GOJOSER_JWT_SIGNING_KEY takes this value, so refresh tokens issued here keep working there.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-test-key-for-gojoser-import-tests-0123456789")
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
    "rest_framework_simplejwt.token_blacklist",
    "djoser",
]
# DJANGO_USER_MODEL=accounts.User switches to a custom user model (email login, a profile field).
if os.environ.get("DJANGO_USER_MODEL"):
    AUTH_USER_MODEL = os.environ["DJANGO_USER_MODEL"]
    INSTALLED_APPS.append("accounts")
ROOT_URLCONF = "djangoproject.urls"
MIDDLEWARE = []
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]


def database(url):
    if url.startswith("sqlite:"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": url[len("sqlite:"):]}
    u = urlsplit(url)
    if u.scheme not in ("postgres", "postgresql"):
        raise ValueError("DJANGO_DATABASE must be sqlite:<path> or postgres://...")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(u.path.lstrip("/")),
        "USER": unquote(u.username or ""),
        "PASSWORD": unquote(u.password or ""),
        "HOST": u.hostname or "",
        "PORT": u.port or "",
    }


DATABASES = {"default": database(os.environ.get("DJANGO_DATABASE", "sqlite:" + str(BASE_DIR / "db.sqlite3")))}

# Every hasher Django 3.2 ships, plus scrypt (Django 4.0's, backported in scrypt_hasher.py). The first
# one hashes new passwords, as in a default project.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "djangoproject.scrypt_hasher.ScryptPasswordHasher",
    "django.contrib.auth.hashers.SHA1PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.UnsaltedSHA1PasswordHasher",
    "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
    "django.contrib.auth.hashers.CryptPasswordHasher",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
}

DJOSER = {
    "HIDE_USERS": True,
    "USER_CREATE_PASSWORD_RETYPE": False,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": False,
    "BLACKLIST_AFTER_ROTATION": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
