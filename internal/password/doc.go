// Package password hashes and verifies account passwords with argon2id and
// validates new passwords the way Django's default AUTH_PASSWORD_VALIDATORS
// do, so the Go server reproduces the reference Django 3.2 + Djoser server's
// behaviour and error messages.
package password
