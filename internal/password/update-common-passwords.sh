#!/bin/sh
# Refreshes common-passwords.txt.gz from Django's own list.
#
# Provenance: the file is Django's django/contrib/auth/common-passwords.txt.gz,
# the list CommonPasswordValidator uses (19,727 lowercased, deduplicated
# passwords, which Django credits to Royce Williams:
# https://gist.github.com/roycewilliams/281ce539915a947a23db17137d91aeb7).
# It is taken byte for byte from Debian bookworm's python3-django package,
# version 3:3.2.25-0+deb12u7 when last run, because the reference server ran
# Django 3.2 and Debian's archive is a maintained, signed source.
#
# Needs apt-get and dpkg-deb (run `apt-get update` first on a fresh machine).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
member=./usr/lib/python3/dist-packages/django/contrib/auth/common-passwords.txt.gz

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# apt-get downloads as the unprivileged _apt user when it can write here.
chown _apt "$tmp" 2>/dev/null || true
(cd "$tmp" && apt-get download python3-django)
deb=$(ls "$tmp"/python3-django_*.deb)
echo "using $(basename "$deb")" >&2

dpkg-deb --fsys-tarfile "$deb" | tar -xO "$member" >"$tmp/common-passwords.txt.gz"
gzip -t "$tmp/common-passwords.txt.gz"
mv "$tmp/common-passwords.txt.gz" "$here/common-passwords.txt.gz"
