package users

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"

	"github.com/gojoser/gojoser/ent/predicate"

	"github.com/gojoser/gojoser/ent"
	"github.com/gojoser/gojoser/ent/user"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/profile"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/validation"
)

// How a user is named and logs in. Django's USERNAME_FIELD is the field that names a user: username,
// or email for a user model without usernames (openapi.yaml's User says which: profile.UsernameField).
// Djoser's LOGIN_FIELD is what token login asks for: USERNAME_FIELD, or email with
// GOJOSER_LOGIN_FIELD=email. Whenever email is either, it is unique, case-insensitively: the email_key
// column holds it lower-cased under a unique index (EmailKeyHook), so concurrent registrations and
// changes cannot both take an address, and a login by email finds one user.

// EmailLogin reports whether email names or logs in a user under these settings, and so is unique.
func EmailLogin(loginField string) bool {
	return loginField == "email" || profile.UsernameField == "email"
}

func (s *Service) emailLogin() bool { return EmailLogin(s.settings.LoginField) }

// EmailKey is what email is unique as: lower-cased, so that Alice@example.com and alice@example.com
// are one address.
func EmailKey(email string) string { return strings.ToLower(email) }

// loginEmailField is email where it is a login: required, never blank.
var loginEmailField = validation.Char{Required: true, Rules: []string{"max=" + strconv.Itoa(maxEmailLength), "email"}}

// cleanEmail validates an email field of a registration (create) or an update. Where email is a
// login, it is required at registration, may not be blank, and must not belong to another user than
// exceptID; the address is returned normalised.
func (s *Service) cleanEmail(ctx context.Context, errs *drf.FieldErrors, name string, v validation.Value, create bool, exceptID int) (string, bool, error) {
	f := emailField
	if s.emailLogin() {
		f = loginEmailField
		f.Required = create
	}
	email, present, ok := f.Clean(errs, name, v)
	if !ok || !present || !s.emailLogin() {
		return email, present, nil
	}
	email = normalizeEmail(email)
	taken, err := s.emailTaken(ctx, email, exceptID)
	if err != nil {
		return "", false, err
	}
	if taken {
		errs.Add(name, drf.MsgEmailTaken)
	}
	return email, present, nil
}

// emailTaken reports whether a user other than exceptID (0: anyone) has email, case-insensitively.
func (s *Service) emailTaken(ctx context.Context, email string, exceptID int) (bool, error) {
	q := s.db.User.Query().Where(user.EmailKey(EmailKey(email)))
	if exceptID != 0 {
		q = q.Where(user.IDNEQ(exceptID))
	}
	taken, err := q.Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("check email: %w", err)
	}
	return taken, nil
}

// isEmailConflict reports whether err is the email_key index refusing an address another user has.
func isEmailConflict(err error) bool {
	return ent.IsConstraintError(err) && strings.Contains(err.Error(), user.FieldEmailKey)
}

// usernameOf is what names u: its username, or its email when the model has no usernames.
func usernameOf(u *ent.User) string {
	if profile.UsernameField == "email" {
		return u.Email
	}
	return u.Username
}

// attrs are what Django's similarity validator compares a password with.
func attrs(username, email string, p *profile.Profile) *password.UserAttrs {
	first, last := p.Names()
	return &password.UserAttrs{Username: username, FirstName: first, LastName: last, Email: email}
}

// attrsOf are u's attributes for the similarity validator.
func attrsOf(u *ent.User) *password.UserAttrs {
	p := profile.FromEnt(u)
	return attrs(u.Username, u.Email, &p)
}

// EmailKeyHook keeps email_key in step with email on every write, by any code path, while email is a
// login (on); otherwise email_key stays NULL (PrepareEmailLogin clears it at start).
func EmailKeyHook(on bool) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if um, ok := m.(*ent.UserMutation); ok && on {
				if email, set := um.Email(); set {
					if email == "" {
						um.ClearEmailKey()
					} else {
						um.SetEmailKey(EmailKey(email))
					}
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// DuplicateEmailsError lists the addresses several users share, which stop email from being a login.
type DuplicateEmailsError struct {
	// Groups are the users of each shared address (lower-cased), by address.
	Groups map[string][]int
}

func (e *DuplicateEmailsError) Error() string {
	keys := make([]string, 0, len(e.Groups))
	for k := range e.Groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "email is a login (GOJOSER_LOGIN_FIELD=email, or openapi.yaml's user has no username), so every "+
		"address must belong to one user, ignoring case; %d addresses are shared:", len(keys))
	for i, k := range keys {
		if i == 50 {
			fmt.Fprintf(&b, "\n  ... and %d more", len(keys)-i)
			break
		}
		ids := make([]string, len(e.Groups[k]))
		for j, id := range e.Groups[k] {
			ids[j] = strconv.Itoa(id)
		}
		fmt.Fprintf(&b, "\n  %s: users %s", k, strings.Join(ids, ", "))
	}
	b.WriteString("\ngive those users distinct addresses (or none), then start again")
	return b.String()
}

// setEmailKeysPG sets the email_key of users $1 to $2, pairwise.
var setEmailKeysPG = fmt.Sprintf(`UPDATE %[1]s SET %[2]s = v.k FROM unnest($1::bigint[], $2::text[]) AS v(id, k) WHERE %[1]s.%[3]s = v.id`,
	user.Table, user.FieldEmailKey, user.FieldID)

// PrepareEmailLogin makes email_key right for the setting before the server takes requests. With
// email as a login (on) every address gets its key; addresses several users share (ignoring case) stop
// the start with a DuplicateEmailsError that lists them, since picking one would lock the others out.
// Otherwise every key is cleared, so that addresses may repeat.
func PrepareEmailLogin(ctx context.Context, db *ent.Client, postgres, on bool, log *slog.Logger) error {
	if !on {
		n, err := db.User.Update().Where(user.EmailKeyNotNil()).ClearEmailKey().Save(ctx)
		if err != nil {
			return fmt.Errorf("clear email keys: %w", err)
		}
		if n > 0 {
			log.Info("email is no longer a login: addresses may repeat", "users", n)
		}
		return nil
	}
	missing, err := db.User.Query().Where(user.EmailNEQ(""), user.EmailKeyIsNil()).Exist(ctx)
	if err != nil {
		return fmt.Errorf("check email keys: %w", err)
	}
	if !missing {
		return nil // the unique index has held every key since they were set
	}
	var rows []struct {
		ID    int     `sql:"id"`
		Email string  `sql:"email"`
		Key   *string `sql:"email_key"`
	}
	if err := db.User.Query().Where(user.EmailNEQ("")).Order(user.ByID()).
		Select(user.FieldID, user.FieldEmail, user.FieldEmailKey).Scan(ctx, &rows); err != nil {
		return fmt.Errorf("read emails: %w", err)
	}
	byKey := map[string][]int{}
	for _, r := range rows {
		k := EmailKey(r.Email)
		byKey[k] = append(byKey[k], r.ID)
	}
	dups := &DuplicateEmailsError{Groups: map[string][]int{}}
	for k, ids := range byKey {
		if len(ids) > 1 {
			dups.Groups[k] = ids
		}
	}
	if len(dups.Groups) > 0 {
		return dups
	}
	var ids []int
	var keys []string
	for _, r := range rows {
		if k := EmailKey(r.Email); r.Key == nil || *r.Key != k {
			ids, keys = append(ids, r.ID), append(keys, k)
		}
	}
	err = store.WithTx(ctx, db, func(tx *ent.Tx) error {
		if postgres {
			// One statement per thousand users: a database imported from Django may hold millions, and a
			// round trip each would hold the start for minutes.
			for i := 0; i < len(ids); i += 1000 {
				j := min(i+1000, len(ids))
				if _, err := tx.ExecContext(ctx, setEmailKeysPG, ids[i:j], keys[i:j]); err != nil {
					return err
				}
			}
			return nil
		}
		for i, id := range ids {
			if err := tx.User.UpdateOneID(id).SetEmailKey(keys[i]).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	n := len(ids)
	if isEmailConflict(err) {
		return errors.New("another node changed an address while email keys were set; start again")
	}
	if err != nil {
		return fmt.Errorf("set email keys: %w", err)
	}
	log.Info("email is a login: addresses are unique", "keys_set", n)
	return nil
}

// named is the lookup of a user by username. The unique index on username is partial (WHERE username
// <> ”, so that a model without usernames can hold many users), and SQLite uses a partial index only
// when the query itself carries the index's condition: "username = ?" alone scanned the whole table on
// every login (2 % of a login's CPU at 10k users, growing with the table). PostgreSQL plans the
// same query with the index either way.
func named(name string) predicate.User {
	return user.And(user.Username(name), user.UsernameNEQ(""))
}
