package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/gojoser/gojoser/internal/drf"
)

const (
	minLength     = 8
	maxSimilarity = 0.7
)

// UserAttrs are the user fields the similarity check compares against, in
// the order Django checks them.
type UserAttrs struct{ Username, Email string }

// Validate applies Django's four default password validators and returns
// nil when password passes, else every failure message, in this order:
// minimum length, common password, entirely numeric, similarity to the
// username or else the email address. user may be nil, which skips the
// similarity check.
func Validate(password string, user *UserAttrs) []string {
	var msgs []string
	// Python's len counts code points.
	if utf8.RuneCountInString(password) < minLength {
		msgs = append(msgs, drf.MsgPasswordTooShort)
	}
	if isCommon(password) {
		msgs = append(msgs, drf.MsgPasswordTooCommon)
	}
	if isNumeric(password) {
		msgs = append(msgs, drf.MsgPasswordEntirelyNumber)
	}
	if user != nil {
		// Django raises on the first similar attribute, so at most one
		// similarity message.
		pw := splitRunes(pyLower(password))
		switch {
		case tooSimilar(pw, user.Username):
			msgs = append(msgs, drf.MsgPasswordSimilarUser)
		case tooSimilar(pw, user.Email):
			msgs = append(msgs, drf.MsgPasswordSimilarEmail)
		}
	}
	return msgs
}

// isNumeric is Python's password.isdigit().
func isNumeric(password string) bool {
	if password == "" {
		return false
	}
	for _, r := range password {
		if !pyIsDigit(r) {
			return false
		}
	}
	return true
}

// commonPasswordsGz is Django 3.2's list, byte for byte; see
// update-common-passwords.sh for where it comes from.
//
//go:embed common-passwords.txt.gz
var commonPasswordsGz []byte

// commonPasswords is decompressed on first use only: it is ~20,000 entries
// that processes which never validate a password need not pay for.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswordsGz))
	if err != nil {
		panic("password: embedded common-passwords.txt.gz: " + err.Error())
	}
	set := make(map[string]struct{}, 20000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		set[strings.TrimFunc(sc.Text(), pyIsSpace)] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		panic("password: embedded common-passwords.txt.gz: " + err.Error())
	}
	return set
})

// isCommon is Django's CommonPasswordValidator:
// password.lower().strip() in passwords.
func isCommon(password string) bool {
	_, ok := commonPasswords()[strings.TrimFunc(pyLower(password), pyIsSpace)]
	return ok
}

// tooSimilar ports Django 3.2's UserAttributeSimilarityValidator for one
// attribute; pw is the lowercased password split into code points.
func tooSimilar(pw []string, value string) bool {
	if value == "" {
		return false
	}
	valueLower := pyLower(value)
	for _, part := range append(splitNonWord(valueLower), valueLower) {
		b := splitRunes(part)
		if exceedsMaximumLengthRatio(len(pw), len(b)) {
			continue
		}
		// Django compares code point sequences with difflib's quick_ratio,
		// a multiset-overlap upper bound that ignores order.
		if difflib.NewMatcher(pw, b).QuickRatio() >= maxSimilarity {
			return true
		}
	}
	return false
}

// exceedsMaximumLengthRatio is Django's CVE-2021-45115 shortcut: parts far
// shorter than the password cannot reach maxSimilarity, so skip them. It
// never changes the outcome, only bounds the work.
func exceedsMaximumLengthRatio(pwLen, valueLen int) bool {
	lengthBoundSimilarity := maxSimilarity / 2 * float64(pwLen)
	return pwLen >= 10*valueLen && float64(valueLen) < lengthBoundSimilarity
}

// splitNonWord is Python's re.split(r'\W+', s): the pieces between maximal
// runs of non-word characters, including empty pieces at either end.
func splitNonWord(s string) []string {
	var parts []string
	start, inSep := 0, false
	for i, r := range s {
		switch {
		case !pyIsWord(r) && !inSep:
			parts = append(parts, s[start:i])
			inSep = true
		case pyIsWord(r) && inSep:
			start, inSep = i, false
		}
	}
	if inSep {
		return append(parts, "")
	}
	return append(parts, s[start:])
}

// splitRunes turns s into one string per code point, the element type
// difflib's SequenceMatcher works on.
func splitRunes(s string) []string {
	out := make([]string, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}
