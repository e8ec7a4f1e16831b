#!/usr/bin/python3
"""Builds a Django + DRF + Djoser + SimpleJWT database the way a real project fills one, for the import tests.

    DJANGO_DATABASE=sqlite:/tmp/db.sqlite3 /usr/bin/python3 testdata/django/make_fixture.py --manifest m.json
    DJANGO_DATABASE=postgres://postgres@127.0.0.1:5432/djangodb /usr/bin/python3 ... (the database must exist)

It runs `manage.py migrate`, then creates users with each password hasher, staff and superusers,
groups, DRF tokens (`manage.py drf_create_token`) and SimpleJWT refresh tokens, outstanding and
blacklisted. The manifest (JSON) lists what it made, with the passwords, token keys and refresh tokens,
so the Go tests can log in as these users after importing the database into gojoser.
"""
import argparse
import io
import json
import os
import sys
import warnings
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangoproject.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import hashers  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

# username, hasher, password, extra fields, groups, DRF token?
USERS = [
    ("alice", "pbkdf2_sha256", "alice-Pbkdf2-pw", {"first_name": "Alice", "last_name": "Liddell"}, ["editors", "Content Editors"], True),
    ("bob", "pbkdf2_sha256_1m", "bob-Pbkdf2-million", {}, ["editors"], True),
    ("carol", "pbkdf2_sha1", "carol-Sha1-pbkdf2", {}, [], True),
    ("dave", "argon2", "dave-Argon2id-pw", {"first_name": "Dave"}, [], True),
    ("erin", "argon2i", "erin-Argon2i-pw", {}, [], False),
    ("frank", "bcrypt_sha256", "frank-Bcrypt-sha256-" + "x" * 80, {}, [], True),
    ("grace", "bcrypt", "grace-Bcrypt-pw", {}, [], False),
    ("heidi", "scrypt", "heidi-Scrypt-pw", {}, [], True),
    ("ivan", "md5", "ivan-Md5-legacy", {}, [], False),
    ("judy", "unsalted_sha1", "judy-Sha1-legacy", {}, [], False),
    ("zoë", "pbkdf2_sha256", "zoë-Ünïcode-pw", {}, [], True),
    ("mallory", "pbkdf2_sha256", "mallory-Staff-pw", {"is_staff": True}, ["editors"], True),
    ("oscar", "pbkdf2_sha256", "oscar-Inactive-pw", {"is_active": False}, [], True),
    ("peggy", None, None, {}, [], True),  # unusable password (social login only)
]
SUPERUSER = ("root", "root-Superuser-pw")

# With DJANGO_USER_MODEL=accounts.User: the email address is the username.
CUSTOM_USERS = [
    ("ann@example.com", "pbkdf2_sha256", "ann-Custom-pw", {"nickname": "Ann"}, ["editors"], True),
    ("sam@example.com", "argon2", "sam-Staff-pw", {"is_staff": True, "nickname": "Sam"}, [], True),
]
CUSTOM_SUPERUSER = ("boss@example.com", "boss-Superuser-pw")

User = get_user_model()
CUSTOM = User._meta.label != "auth.User"

LEGACY = {"md5", "unsalted_sha1"}


def encode(hasher, password):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if hasher == "pbkdf2_sha256_1m":
            h = hashers.PBKDF2PasswordHasher()
            return h.encode(password, h.salt(), iterations=1000000)
        if hasher == "argon2i":
            # What Django 1.10 to 3.1 wrote: Argon2PasswordHasher with Type.I.
            import argon2

            h = hashers.Argon2PasswordHasher()
            params = h.params()
            raw = argon2.low_level.hash_secret(password.encode(), h.salt().encode(), time_cost=2, memory_cost=512,
                                               parallelism=2, hash_len=params.hash_len, type=argon2.low_level.Type.I)
            return "argon2" + raw.decode("ascii")
        return hashers.make_password(password, hasher=hasher)


def drf_create_token(username):
    out = io.StringIO()
    call_command("drf_create_token", username, stdout=out)
    words = out.getvalue().split()  # "Generated token <key> for user <username>"
    assert words[:2] == ["Generated", "token"], out.getvalue()
    return words[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True)
    args = parser.parse_args()

    call_command("migrate", verbosity=0, interactive=False)
    assert not User.objects.exists(), "the database already has users; make_fixture.py wants a fresh one"

    now = timezone.now()
    manifest = {"secret_key": settings.SECRET_KEY, "django": django.get_version(), "user_table": User._meta.db_table,
                "users": {}, "groups": [],
                "refresh": {"live": [], "blacklisted": []}}
    users, (su_name, su_password) = (CUSTOM_USERS, CUSTOM_SUPERUSER) if CUSTOM else (USERS, SUPERUSER)
    joined_field = "joined" if CUSTOM else "date_joined"
    groups = {}
    for _, _, _, _, names, _ in users:
        for name in names:
            if name not in groups:
                groups[name] = Group.objects.create(name=name)
                manifest["groups"].append(name)

    for i, (username, hasher, password, extra, group_names, token) in enumerate(users):
        fields = {User.USERNAME_FIELD: username}
        if not CUSTOM:
            fields["email"] = f"{username}@example.com"
        u = User(**fields, **extra)
        if hasher is None:
            u.set_unusable_password()
        else:
            u.password = encode(hasher, password)
        setattr(u, joined_field, now - timedelta(days=100 - i))
        if i % 2 == 0:
            u.last_login = now - timedelta(days=3, microseconds=123456)
        u.save()
        for name in group_names:
            u.groups.add(groups[name])
        manifest["users"][username] = {
            "id": u.id, "password": password, "hasher": hasher or "unusable", "legacy": hasher in LEGACY,
            "is_staff": u.is_staff, "is_superuser": u.is_superuser, "is_active": u.is_active,
            "groups": sorted(group_names), "token": drf_create_token(username) if token else None,
        }

    if CUSTOM:
        root = User.objects.create_superuser(su_name, su_password)
    else:
        root = User.objects.create_superuser(su_name, f"{su_name}@example.com", su_password)
    manifest["users"][su_name] = {"id": root.id, "password": su_password, "hasher": "pbkdf2_sha256", "legacy": False,
                                  "is_staff": True, "is_superuser": True, "is_active": True, "groups": [],
                                  "token": drf_create_token(su_name)}

    # SimpleJWT: RefreshToken.for_user records an OutstandingToken; blacklist() adds a BlacklistedToken.
    first = users[0][0]
    for username in (first, users[1][0], su_name):
        live = RefreshToken.for_user(User.objects.get_by_natural_key(username))
        manifest["refresh"]["live"].append({"username": username, "jti": live["jti"], "token": str(live)})
    revoked = RefreshToken.for_user(User.objects.get_by_natural_key(first))
    revoked.blacklist()
    manifest["refresh"]["blacklisted"].append({"username": first, "jti": revoked["jti"], "token": str(revoked)})

    Path(args.manifest).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
