#!/usr/bin/python3
"""Regenerates internal/password/testdata/django-hashers.json: password hashes made by this Django.

    /usr/bin/python3 testdata/django/make_vectors.py     (from the repository root; Debian's Python)

Every hash is made by Django's own hasher classes (scrypt: Django 4.0's class, see
djangoproject/scrypt_hasher.py) and checked with django.contrib.auth.hashers.check_password before
it is written, for the right password and a wrong one. The Go tests in internal/password read the file.
Salts are random, so each run writes different hashes; commit the result.
"""
import argparse
import base64
import json
import os
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djangoproject.settings")

import django  # noqa: E402

django.setup()

import argon2  # noqa: E402
from django.contrib.auth import hashers  # noqa: E402

from djangoproject.scrypt_hasher import ScryptPasswordHasher  # noqa: E402

WRONG = "not-the-password"
PASSWORDS = ["correct horse battery staple", "pässwörd ١٢٣ 🔑", "", "x" * 100]


class CheapArgon2(hashers.Argon2PasswordHasher):
    time_cost, memory_cost, parallelism = 1, 256, 2


class Argon2i(CheapArgon2):
    """Django 1.10 to 3.1 wrote argon2i: Argon2PasswordHasher.params() with Type.I."""

    def params(self):
        p = super().params()
        p.type = argon2.low_level.Type.I
        return p


class CheapBCryptSHA256(hashers.BCryptSHA256PasswordHasher):
    rounds = 4


class CheapBCrypt(hashers.BCryptPasswordHasher):
    rounds = 4


class CheapScrypt(ScryptPasswordHasher):
    work_factor = 2 ** 10


def pbkdf2(hasher_class, iterations):
    h = hasher_class()
    return lambda pw: h.encode(pw, h.salt(), iterations=iterations)


def plain(hasher):
    return lambda pw: hasher.encode(pw, hasher.salt())


def unsalted_md5_with_prefix(pw):
    # Django's UnsaltedMD5PasswordHasher.verify also accepts "md5$$<hex>"; check_password below proves it.
    return "md5$$" + hashers.UnsaltedMD5PasswordHasher().encode(pw, "")


# (algorithm, description, encoder, legacy, passwords)
CASES = [
    ("pbkdf2_sha256", "Django 3.2 default, 260000 iterations", plain(hashers.PBKDF2PasswordHasher()), False, PASSWORDS[:1]),
    ("pbkdf2_sha256", "1000000 iterations (Django 5.2's default is 1000000)", pbkdf2(hashers.PBKDF2PasswordHasher, 1000000), False, PASSWORDS[:1]),
    ("pbkdf2_sha256", "1000 iterations", pbkdf2(hashers.PBKDF2PasswordHasher, 1000), False, PASSWORDS),
    ("pbkdf2_sha1", "Django 3.2 default, 260000 iterations", plain(hashers.PBKDF2SHA1PasswordHasher()), False, PASSWORDS[:1]),
    ("pbkdf2_sha1", "1000 iterations", pbkdf2(hashers.PBKDF2SHA1PasswordHasher, 1000), False, PASSWORDS),
    ("argon2", "argon2id, Django 3.2 default m=102400,t=2,p=8", plain(hashers.Argon2PasswordHasher()), False, PASSWORDS[:1]),
    ("argon2", "argon2id m=256,t=1,p=2", plain(CheapArgon2()), False, PASSWORDS),
    ("argon2", "argon2i (Django before 3.2) m=256,t=1,p=2", plain(Argon2i()), False, PASSWORDS),
    ("bcrypt_sha256", "Django 3.2 default, cost 12", plain(hashers.BCryptSHA256PasswordHasher()), False, PASSWORDS[:1]),
    ("bcrypt_sha256", "cost 4", plain(CheapBCryptSHA256()), False, PASSWORDS),
    ("bcrypt", "Django 3.2 default, cost 12", plain(hashers.BCryptPasswordHasher()), False, PASSWORDS[:1]),
    ("bcrypt", "cost 4; bcrypt uses the first 72 bytes", plain(CheapBCrypt()), False, PASSWORDS),
    ("scrypt", "Django 4.0 default N=16384,r=8,p=1", plain(ScryptPasswordHasher()), False, PASSWORDS[:1]),
    ("scrypt", "N=1024,r=8,p=1", plain(CheapScrypt()), False, PASSWORDS),
    ("sha1", "salted SHA-1", plain(hashers.SHA1PasswordHasher()), True, PASSWORDS),
    ("md5", "salted MD5", plain(hashers.MD5PasswordHasher()), True, PASSWORDS),
    ("unsalted_sha1", "sha1$$<hex>", plain(hashers.UnsaltedSHA1PasswordHasher()), True, PASSWORDS),
    ("unsalted_md5", "bare hex", plain(hashers.UnsaltedMD5PasswordHasher()), True, PASSWORDS),
    ("unsalted_md5", "md5$$<hex>", unsalted_md5_with_prefix, True, PASSWORDS[:2]),
]


def argon2_v10(pw):
    # What argon2-cffi before 16.0 wrote (Argon2 version 1.0, no "v=" field); Django still verifies it.
    salt = b"somesaltsomesalt"
    raw = argon2.low_level.hash_secret(pw.encode(), salt, time_cost=1, memory_cost=256, parallelism=2,
                                       hash_len=32, type=argon2.low_level.Type.I, version=0x10)
    return "argon2" + raw.decode("ascii").replace("$v=16", "")


def crypt(pw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return hashers.CryptPasswordHasher().encode(pw, "ab")


# Formats Django verifies that gojoser does not: (algorithm, why, encoder).
UNSUPPORTED = [
    ("argon2", "Argon2 version 1.0 (argon2-cffi before 16.0)", argon2_v10),
    ("crypt", "Unix crypt(3)", crypt),
]


def checked(encoded, pw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert hashers.check_password(pw, encoded), (encoded, pw)
        assert not hashers.check_password(WRONG, encoded), encoded
    return encoded


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE.parent.parent / "internal/password/testdata/django-hashers.json"))
    args = parser.parse_args()
    vectors = []
    for alg, desc, encode, legacy, passwords in CASES:
        for pw in passwords:
            encoded = checked(encode(pw), pw)
            assert hashers.identify_hasher(encoded).algorithm == alg, (alg, encoded)
            vectors.append({"algorithm": alg, "about": desc, "legacy": legacy, "password": pw, "encoded": encoded})
    unsupported = []
    for alg, why, encode in UNSUPPORTED:
        pw = PASSWORDS[0]
        unsupported.append({"algorithm": alg, "about": why, "password": pw, "encoded": checked(encode(pw), pw)})
    unusable = hashers.make_password(None)
    assert not hashers.is_password_usable(unusable)
    out = {
        "generated_by": "testdata/django/make_vectors.py",
        "django": django.get_version(),
        "wrong_password": WRONG,
        "vectors": vectors,
        "unsupported": unsupported,
        "unusable": unusable,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(vectors)} vectors to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
