"""Records Djoser's answers in the two email modes, for gojoser's replay tests.

Run with Debian's Python and packages (python3-django, python3-djangorestframework,
python3-djangorestframework-simplejwt, python3-djoser):

    /usr/bin/python3 testdata/djoser-email/record.py loginemail > testdata/djoser-email/loginemail.json
    /usr/bin/python3 testdata/djoser-email/record.py emailuser > testdata/djoser-email/emailuser.json

Each exchange is sent through Django's test client to a fresh in-memory database, in order. Values that
differ from run to run (tokens) are captured into variables and written as {{name}} placeholders, which
the replay fills with what gojoser answered.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
MODE = sys.argv[1]
os.environ["DJOSER_MODE"] = MODE
os.environ["DJANGO_SETTINGS_MODULE"] = "settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from importlib.metadata import version  # noqa: E402

PW = "vQ7#kLm9zX"


def ex(name, method, path, body=None, auth=None, capture=None):
    return {"name": name, "method": method, "path": path, "body": body, "auth": auth, "capture": capture or {}}


LOGIN_EMAIL = [
    ex("login with email and password", "POST", "/auth/token/login/", {"email": "Alice@example.com", "password": PW},
       capture={"alice.token": "auth_token"}),
    ex("the token works", "GET", "/auth/users/me/", auth="alice"),
    ex("username is not the login field", "POST", "/auth/token/login/", {"username": "alice", "password": PW}),
    ex("wrong password", "POST", "/auth/token/login/", {"email": "Alice@example.com", "password": "nope-nope-nope"}),
    ex("unknown email", "POST", "/auth/token/login/", {"email": "nobody@example.com", "password": PW}),
    ex("inactive user", "POST", "/auth/token/login/", {"email": "carol@example.com", "password": PW}),
    ex("email in another case", "POST", "/auth/token/login/", {"email": "alice@EXAMPLE.com", "password": PW}),
    ex("blanks, password first", "POST", "/auth/token/login/", {"email": "", "password": ""}),
    ex("nulls", "POST", "/auth/token/login/", {"email": None, "password": None}),
    ex("missing fields", "POST", "/auth/token/login/", {}),
    ex("email not a string", "POST", "/auth/token/login/", {"email": ["a"], "password": PW}),
    ex("jwt create takes USERNAME_FIELD", "POST", "/auth/jwt/create/", {"username": "alice", "password": PW},
       capture={"alice.refresh": "refresh", "alice.access": "access"}),
    ex("jwt create with email", "POST", "/auth/jwt/create/", {"email": "Alice@example.com", "password": PW},
       capture={"alice.refresh2": "refresh", "alice.access2": "access"}),
    ex("jwt create missing fields", "POST", "/auth/jwt/create/", {}),
    ex("jwt create wrong password", "POST", "/auth/jwt/create/", {"username": "alice", "password": "nope-nope-nope"}),
    ex("logout", "POST", "/auth/token/logout/", auth="alice"),
]

EMAIL_USER = [
    ex("register: required fields, REQUIRED_FIELDS first", "POST", "/auth/users/", {}),
    ex("register", "POST", "/auth/users/", {"first_name": "Alice", "last_name": "Liddell", "email": "Alice@EXAMPLE.COM",
                                            "password": PW, "re_password": PW}),
    ex("register with every field", "POST", "/auth/users/", {"first_name": "Bob", "last_name": "Builder", "phone": "+44 20 7946 0000",
                                                             "age": 42, "email": "bob@example.com", "password": PW, "re_password": PW}),
    ex("register: a number is a string, an integer may be a string", "POST", "/auth/users/",
       {"first_name": 7, "last_name": "Seven", "age": " 7 ", "email": "seven@example.com", "password": PW, "re_password": PW}),
    ex("register: email taken", "POST", "/auth/users/", {"first_name": "A", "last_name": "B", "email": "bob@example.com",
                                                         "password": PW, "re_password": PW}),
    ex("register: every field invalid at once", "POST", "/auth/users/",
       {"first_name": "", "last_name": "x" * 151, "phone": "abc", "age": "200", "email": "nope",
        "password": "x", "re_password": "y"}),
    ex("register: integer errors", "POST", "/auth/users/",
       {"first_name": "A", "last_name": "B", "age": "abc", "email": "c@example.com", "password": PW, "re_password": PW}),
    ex("register: integer below minimum", "POST", "/auth/users/",
       {"first_name": "A", "last_name": "B", "age": -1, "email": "c@example.com", "password": PW, "re_password": PW}),
    ex("register: nulls", "POST", "/auth/users/",
       {"first_name": None, "last_name": None, "phone": None, "age": None, "email": None, "password": None, "re_password": None}),
    ex("register: wrong types", "POST", "/auth/users/",
       {"first_name": True, "last_name": ["x"], "phone": {"a": 1}, "age": True, "email": "d@example.com", "password": PW, "re_password": PW}),
    ex("register: whitespace is trimmed, blank phone allowed", "POST", "/auth/users/",
       {"first_name": "  Dora ", "last_name": " Explorer", "phone": "  ", "email": " dora@example.com ", "password": PW, "re_password": PW}),
    ex("register: password too similar to the first name", "POST", "/auth/users/",
       {"first_name": "Quixotic", "last_name": "Q", "email": "q@example.com", "password": "quixotic1", "re_password": "quixotic1"}),
    ex("register: password too similar to the last name", "POST", "/auth/users/",
       {"first_name": "Q", "last_name": "Zanzibarian", "email": "z@example.com", "password": "zanzibarian", "re_password": "zanzibarian"}),
    ex("register: retype mismatch", "POST", "/auth/users/",
       {"first_name": "A", "last_name": "B", "email": "e@example.com", "password": PW, "re_password": PW + "x"}),
    ex("register: a username is ignored", "POST", "/auth/users/",
       {"username": "frank", "first_name": "Frank", "last_name": "F", "email": "frank@example.com", "password": PW, "re_password": PW}),
    ex("login with email", "POST", "/auth/token/login/", {"email": "Alice@example.com", "password": PW},
       capture={"alice.token": "auth_token"}),
    ex("login with bob's email", "POST", "/auth/token/login/", {"email": "bob@example.com", "password": PW},
       capture={"bob.token": "auth_token"}),
    ex("login with the email in another case", "POST", "/auth/token/login/", {"email": "alice@example.com", "password": PW}),
    ex("login: blanks", "POST", "/auth/token/login/", {"email": "", "password": ""}),
    ex("login: missing fields", "POST", "/auth/token/login/", {}),
    ex("me", "GET", "/auth/users/me/", auth="alice"),
    ex("list: only me", "GET", "/auth/users/", auth="alice"),
    ex("detail", "GET", "/auth/users/2/", auth="bob"),
    ex("patch: profile fields write, email is read-only", "PATCH", "/auth/users/me/",
       {"first_name": "Alicia", "email": "new@example.com", "id": 9}, auth="alice"),
    ex("patch: errors", "PATCH", "/auth/users/me/", {"phone": "12", "age": "abc", "last_name": ""}, auth="alice"),
    ex("patch: null and blank", "PATCH", "/auth/users/me/", {"age": None, "phone": ""}, auth="alice"),
    ex("patch: an integer", "PATCH", "/auth/users/me/", {"age": 30, "phone": "+1 555 0100"}, auth="alice"),
    ex("put: REQUIRED_FIELDS are required", "PUT", "/auth/users/me/", {}, auth="alice"),
    ex("put", "PUT", "/auth/users/me/", {"first_name": "Alice", "last_name": "L"}, auth="alice"),
    ex("set_email: required fields", "POST", "/auth/users/set_email/", {}, auth="alice"),
    ex("set_email: taken", "POST", "/auth/users/set_email/",
       {"current_password": PW, "new_email": "bob@example.com", "re_new_email": "bob@example.com"}, auth="alice"),
    ex("set_email: own email is taken too", "POST", "/auth/users/set_email/",
       {"current_password": PW, "new_email": "Alice@example.com", "re_new_email": "Alice@example.com"}, auth="alice"),
    ex("set_email: invalid, wrong password", "POST", "/auth/users/set_email/",
       {"current_password": "nope-nope-nope", "new_email": "nope", "re_new_email": "nope"}, auth="alice"),
    ex("set_email: mismatch", "POST", "/auth/users/set_email/",
       {"current_password": PW, "new_email": "alice2@example.com", "re_new_email": "alice3@example.com"}, auth="alice"),
    ex("set_email", "POST", "/auth/users/set_email/",
       {"current_password": PW, "new_email": "alice2@example.com", "re_new_email": "alice2@example.com"}, auth="alice"),
    ex("me after set_email", "GET", "/auth/users/me/", auth="alice"),
    ex("set_username does not exist", "POST", "/auth/users/set_username/", {}, auth="alice"),
    ex("reset_email", "POST", "/auth/users/reset_email/", {"email": "bob@example.com"}),
    ex("reset_email: invalid", "POST", "/auth/users/reset_email/", {"email": "nope"}),
    ex("reset_email_confirm: required fields", "POST", "/auth/users/reset_email_confirm/", {}),
    ex("reset_email_confirm: bad uid", "POST", "/auth/users/reset_email_confirm/",
       {"uid": "xx", "token": "yy", "new_email": "b2@example.com", "re_new_email": "b2@example.com"}),
    ex("jwt create takes email", "POST", "/auth/jwt/create/", {"email": "alice2@example.com", "password": PW},
       capture={"alice.refresh": "refresh", "alice.access": "access"}),
    ex("jwt create: missing fields", "POST", "/auth/jwt/create/", {}),
    ex("jwt create: username is not a field", "POST", "/auth/jwt/create/", {"username": "alice", "password": PW}),
    # Last: Djoser creates a user here, gojoser does not (its emails are unique ignoring case), and the
    # ids of later registrations would differ.
    ex("register: email taken in another case", "POST", "/auth/users/",
       {"first_name": "A", "last_name": "B", "email": "BOB@example.com", "password": PW, "re_password": PW}),
]


def setup_login_email():
    User = get_user_model()
    User.objects.create_user(username="alice", email="Alice@example.com", password=PW)
    User.objects.create_user(username="bob", email="bob@example.com", password=PW)
    User.objects.create_user(username="carol", email="carol@example.com", password=PW, is_active=False)


def main():
    call_command("migrate", run_syncdb=True, verbosity=0)
    if MODE == "loginemail":
        setup_login_email()
        exchanges = LOGIN_EMAIL
    else:
        exchanges = EMAIL_USER
    client = Client()
    values = {}
    out = []
    for e in exchanges:
        headers = {}
        if e["auth"]:
            headers["HTTP_AUTHORIZATION"] = "Token " + values[e["auth"] + ".token"]
        body = None if e["body"] is None else json.dumps(e["body"])
        if body is None:
            res = client.generic(e["method"], e["path"], **headers)
        else:
            res = client.generic(e["method"], e["path"], body, content_type="application/json", **headers)
        text = res.content.decode()
        if res.status_code < 300 and e["capture"]:
            doc = json.loads(text)
            for var, key in e["capture"].items():
                values[var] = doc[key]
        for var, v in values.items():
            text = text.replace(v, "{{" + var + "}}")
        if res.get("Content-Type", "").startswith("text/html"):
            text = "<html>"  # Django's 404 page
        out.append({"name": e["name"], "method": e["method"], "path": e["path"], "body": body,
                    "auth": e["auth"], "status": res.status_code, "response": text})
    json.dump({"recorded_with": {p: version(p) for p in ("djoser", "Django", "djangorestframework",
                                                          "djangorestframework-simplejwt")},
               "mode": MODE, "password": PW, "exchanges": out}, sys.stdout, indent=1)
    sys.stdout.write("\n")


main()
