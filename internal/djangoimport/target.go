package djangoimport

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gojoser/gojoser/internal/auth"
	"github.com/gojoser/gojoser/internal/store"
)

// The importer's own record of what it wrote, kept in gojoser's database beside Ent's tables (Ent's
// migrations leave tables they do not know alone). For each imported user it holds digests of the
// user's fields as Django had them at the last import, and of the DRF token imported with them. A
// rerun compares three versions of each field, Django's now, gojoser's now and the last imported, so
// that it takes Django's changes without undoing gojoser's (a rehash at login, a logout, a role
// granted), and reports a field changed on both sides as a conflict instead of picking one.
const sidecarTable = "django_import_users"

// Token label of imported DRF tokens, shown in gojoser's session list.
const tokenLabel = "django"

// target is gojoser's database during an import.
type target struct {
	*conn
	dry     bool
	empty   bool // dry run on a database gojoser has not migrated yet: nothing to read
	sidecar bool // the sidecar table exists
}

// prepare notes what there is to read. The sidecar table comes with gojoser's migrations.
func (t *target) prepare(ctx context.Context) error {
	users, err := t.columns(ctx, "users")
	if err != nil {
		return err
	}
	t.empty = len(users) == 0
	if t.empty && !t.dry {
		return fmt.Errorf("gojoser's database has no users table: not migrated")
	}
	cols, err := t.columns(ctx, sidecarTable)
	t.sidecar = len(cols) > 0
	if !t.empty && !t.dry && !t.sidecar {
		return fmt.Errorf("gojoser's database has no %s table: run gojoser migrate first", sidecarTable)
	}
	return err
}

// userState is what an import writes of a user, and what a rerun compares field by field.
type userState struct {
	Username, Email, Password string
	Active                    bool
	DateJoined                *time.Time
	LastLogin                 *time.Time
	Roles                     []string // sorted
}

// The fields a rerun merges, in the order of their digests.
var stateFields = [...]string{"username", "email", "password", "is_active", "date_joined", "last_login", "roles"}

const (
	fUsername = iota
	fEmail
	fPassword
	fActive
	fDateJoined
	fLastLogin
	fRoles
)

// digests are 8-byte digests of a state's fields: enough to tell a change, and the sidecar stays
// small. Equal fields have equal digests on either database.
type digests [len(stateFields)][8]byte

func (s userState) digests() digests {
	ts := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	var d digests
	for i, v := range [...]string{s.Username, s.Email, s.Password, strconv.FormatBool(s.Active), ts(s.DateJoined),
		ts(s.LastLogin), strings.Join(s.Roles, "\x00")} {
		sum := sha256.Sum256([]byte(v))
		copy(d[i][:], sum[:])
	}
	return d
}

func (d digests) bytes() []byte {
	b := make([]byte, 0, len(d)*8)
	for _, f := range d {
		b = append(b, f[:]...)
	}
	return b
}

// parseDigests reads what bytes wrote; ok is false for anything else.
func parseDigests(b []byte) (d digests, ok bool) {
	if len(b) != len(d)*8 {
		return d, false
	}
	for i := range d {
		copy(d[i][:], b[i*8:])
	}
	return d, true
}

// gojoserUser is a users row as it is now.
type gojoserUser struct {
	userState
	ID int
}

// sidecarRow is what the last import wrote for a user: the digests of the user as Django had them,
// and of the DRF key imported.
type sidecarRow struct {
	fields      []byte
	tokenDigest []byte
}

// usersIn reads gojoser's users with ids in [lo, hi], with their role names.
func (t *target) usersIn(ctx context.Context, lo, hi int) (map[int]*gojoserUser, error) {
	out := map[int]*gojoserUser{}
	if t.empty {
		return out, nil
	}
	err := t.each(ctx, `SELECT id, username, email, password, is_active, date_joined, last_login
		FROM users WHERE id >= ? AND id <= ?`, []any{lo, hi}, func(r *sql.Rows) error {
		var u gojoserUser
		var active, joined, last any
		err := r.Scan(&u.ID, &u.Username, &u.Email, &u.Password, &active, &joined, &last)
		if err == nil {
			u.Active, err = asBool(active, true)
		}
		if err == nil {
			u.DateJoined, err = asTime(joined)
		}
		if err == nil {
			u.LastLogin, err = asTime(last)
		}
		out[u.ID] = &u
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	err = t.each(ctx, `SELECT ur.user_id, r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
		WHERE ur.user_id >= ? AND ur.user_id <= ?`, []any{lo, hi}, func(r *sql.Rows) error {
		var id int
		var name string
		err := r.Scan(&id, &name)
		if u := out[id]; u != nil {
			u.Roles = append(u.Roles, name)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read user roles: %w", err)
	}
	for _, u := range out {
		slices.Sort(u.Roles)
	}
	return out, nil
}

// sidecarIn reads the import records of ids in (after, upTo]; upTo < 0 means no upper bound.
func (t *target) sidecarIn(ctx context.Context, after, upTo int) (map[int]sidecarRow, error) {
	out := map[int]sidecarRow{}
	if !t.sidecar {
		return out, nil
	}
	q, args := "SELECT id, fields, token_digest FROM "+sidecarTable+" WHERE id > ?", []any{after}
	if upTo >= 0 {
		q, args = q+" AND id <= ?", append(args, upTo)
	}
	err := t.each(ctx, q, args, func(r *sql.Rows) error {
		var id int
		var row sidecarRow
		err := r.Scan(&id, &row.fields, &row.tokenDigest)
		out[id] = row
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", sidecarTable, err)
	}
	return out, nil
}

// idsByUsername maps the given usernames to the ids holding them in gojoser.
func (t *target) idsByUsername(ctx context.Context, names []string) (map[string]int, error) {
	if len(names) == 0 {
		return map[string]int{}, nil
	}
	cond, args := in(t.conn, "username", names)
	ids, err := t.keyedIDs(ctx, "SELECT id, username FROM users WHERE "+cond, args)
	if err != nil {
		return nil, fmt.Errorf("look up usernames: %w", err)
	}
	return ids, nil
}

// tokenOwners maps the given token digests that gojoser has to their users.
func (t *target) tokenOwners(ctx context.Context, digests [][]byte) (map[string]int, error) {
	if len(digests) == 0 {
		return map[string]int{}, nil
	}
	cond, args := in(t.conn, "digest", digests)
	ids, err := t.keyedIDs(ctx, "SELECT user_id, digest FROM tokens WHERE "+cond, args)
	if err != nil {
		return nil, fmt.Errorf("look up tokens: %w", err)
	}
	return ids, nil
}

// keyedIDs runs q, which selects an id and a key (text or bytes), and maps the keys to the ids.
func (t *target) keyedIDs(ctx context.Context, q string, args []any) (map[string]int, error) {
	out := map[string]int{}
	if t.empty {
		return out, nil
	}
	err := t.each(ctx, q, args, func(r *sql.Rows) error {
		var id int
		var key []byte
		err := r.Scan(&id, &key)
		out[string(key)] = id
		return err
	})
	return out, err
}

// refreshState is a refresh_tokens record as gojoser has it.
type refreshState struct {
	userID  int
	revoked bool
}

func (t *target) refreshByJTI(ctx context.Context, jtis []string) (map[string]refreshState, error) {
	out := map[string]refreshState{}
	if t.empty || len(jtis) == 0 {
		return out, nil
	}
	cond, args := in(t.conn, "jti", jtis)
	err := t.each(ctx, "SELECT jti, user_id, revoked_at IS NOT NULL FROM refresh_tokens WHERE "+cond, args, func(r *sql.Rows) error {
		var jti string
		var s refreshState
		var revoked any
		err := r.Scan(&jti, &s.userID, &revoked)
		if err == nil {
			s.revoked, err = asBool(revoked, false)
		}
		out[jti] = s
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("look up refresh tokens: %w", err)
	}
	return out, nil
}

// roleIDs maps role names to ids.
func (t *target) roleIDs(ctx context.Context) (map[string]int, error) {
	ids, err := t.keyedIDs(ctx, "SELECT id, name FROM roles", nil)
	if err != nil {
		return nil, fmt.Errorf("read roles: %w", err)
	}
	return ids, nil
}

// updateRow is a user's merged state to write.
type updateRow struct {
	userState
	id int
}

// writes are one batch's changes, applied together.
type writes struct {
	createUsers   [][]any
	updateUsers   []updateRow
	roleUsers     []int   // users whose roles are rewritten (updated ones)
	userRoles     [][]any // (user_id, role_id)
	sidecarIDs    []int   // sidecar rows to replace (their new versions are in sidecarRows)
	sidecarRows   [][]any
	dropTokens    [][]byte
	createTokens  [][]any
	changedUsers  []int // for the auth caches
	createRefresh [][]any
	revokeRefresh [][2]any // (revoked_at, jti)
}

func (t *target) apply(ctx context.Context, w *writes) error {
	if t.dry {
		return nil
	}
	if err := t.insert(ctx, "users", []string{"id", "username", "email", "password", "is_active", "date_joined",
		"last_login", "link_version", "pending_email"}, w.createUsers); err != nil {
		return fmt.Errorf("insert users: %w", err)
	}
	for _, u := range w.updateUsers {
		// A bump of link_version ends account links gojoser mailed before Django's change.
		if _, err := t.exec(ctx, `UPDATE users SET username = ?, email = ?, password = ?, is_active = ?,
			date_joined = ?, last_login = ?, link_version = link_version + 1 WHERE id = ?`,
			u.Username, u.Email, u.Password, u.Active, orNow(u.DateJoined, time.Now), timeOrNil(u.LastLogin), u.id); err != nil {
			return fmt.Errorf("update user %d: %w", u.id, err)
		}
	}
	if err := deleteIn(ctx, t, "user_roles", "user_id", w.roleUsers); err != nil {
		return fmt.Errorf("replace user roles: %w", err)
	}
	if err := t.insert(ctx, "user_roles", []string{"user_id", "role_id"}, w.userRoles); err != nil {
		return fmt.Errorf("insert user roles: %w", err)
	}
	if err := deleteIn(ctx, t, "tokens", "digest", w.dropTokens); err != nil {
		return fmt.Errorf("delete tokens: %w", err)
	}
	if err := t.insert(ctx, "tokens", []string{"digest", "created", "label", "user_id"}, w.createTokens); err != nil {
		return fmt.Errorf("insert tokens: %w", err)
	}
	if err := deleteIn(ctx, t, sidecarTable, "id", w.sidecarIDs); err != nil {
		return fmt.Errorf("rewrite %s: %w", sidecarTable, err)
	}
	if err := t.insert(ctx, sidecarTable, []string{"id", "fields", "token_digest"}, w.sidecarRows); err != nil {
		return fmt.Errorf("rewrite %s: %w", sidecarTable, err)
	}
	if err := t.insert(ctx, "refresh_tokens", []string{"jti", "user_id", "family", "created_at", "expires_at",
		"revoked_at"}, w.createRefresh); err != nil {
		return fmt.Errorf("insert refresh tokens: %w", err)
	}
	for _, r := range w.revokeRefresh {
		if _, err := t.exec(ctx, "UPDATE refresh_tokens SET revoked_at = ? WHERE jti = ? AND revoked_at IS NULL", r[0], r[1]); err != nil {
			return fmt.Errorf("revoke refresh token: %w", err)
		}
	}
	return t.notify(ctx, w.changedUsers)
}

// deleteIn deletes the rows whose col is one of vals: in one statement on PostgreSQL, in chunks on
// SQLite (a statement takes at most 32766 parameters).
func deleteIn[T any](ctx context.Context, t *target, table, col string, vals []T) error {
	size := 1000
	if t.postgres {
		size = max(len(vals), 1)
	}
	for chunk := range slices.Chunk(vals, size) {
		cond, args := in(t.conn, quote(col), chunk)
		if _, err := t.exec(ctx, "DELETE FROM "+quote(table)+" WHERE "+cond, args...); err != nil {
			return err
		}
	}
	return nil
}

// notify tells running gojoser nodes (PostgreSQL only) to forget cached tokens of changed users, as
// the server does after its own changes; PostgreSQL delivers it at commit. On SQLite a running server
// notices within GOJOSER_AUTH_CACHE_TTL.
func (t *target) notify(ctx context.Context, ids []int) error {
	if !t.postgres || len(ids) == 0 {
		return nil
	}
	var payload strings.Builder
	flush := func() error {
		if payload.Len() == 0 {
			return nil
		}
		_, err := t.exec(ctx, "SELECT pg_notify(?, ?)", auth.NotifyChannel, payload.String())
		payload.Reset()
		return err
	}
	for _, id := range ids {
		if payload.Len() > 7000 { // NOTIFY payloads must stay under 8000 bytes
			if err := flush(); err != nil {
				return err
			}
		}
		if payload.Len() > 0 {
			payload.WriteByte(',')
		}
		payload.WriteString(strconv.Itoa(id))
	}
	return flush()
}

// ensureRoles creates the named roles that do not exist yet and returns every role's id, and which
// of names it created.
func (t *target) ensureRoles(ctx context.Context, names []string) (ids map[string]int, created []string, err error) {
	ids, err = t.roleIDs(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range names {
		if _, ok := ids[n]; ok {
			continue
		}
		created = append(created, n)
		if t.dry {
			ids[n] = -1
			continue
		}
		var id int
		if err := t.c.QueryRowContext(ctx, t.rebind("INSERT INTO roles (name) VALUES (?) RETURNING id"), n).Scan(&id); err != nil {
			return nil, nil, fmt.Errorf("create role %q: %w", n, err)
		}
		ids[n] = id
	}
	return ids, created, nil
}

// finish moves PostgreSQL's users id sequence past the highest id, never back, and stores the twin
// of the slowest imported hash for the server's failure floor.
func (t *target) finish(ctx context.Context, slowest string) error {
	if t.dry {
		return nil
	}
	if t.postgres {
		var seq string
		if err := t.c.QueryRowContext(ctx, "SELECT pg_get_serial_sequence('users', 'id')").Scan(&seq); err != nil {
			return fmt.Errorf("find users id sequence: %w", err)
		}
		// seq comes back quoted as needed, ready to use as a name.
		q := fmt.Sprintf("SELECT setval('%[1]s', GREATEST((SELECT COALESCE(max(id), 1) FROM users), (SELECT last_value FROM %[1]s)))", seq)
		if _, err := t.exec(ctx, q); err != nil {
			return fmt.Errorf("move users id sequence: %w", err)
		}
	}
	if slowest == "" {
		return nil
	}
	if _, err := t.exec(ctx, "DELETE FROM meta WHERE key = ?", store.SlowestHashKey); err != nil {
		return fmt.Errorf("store slowest hash: %w", err)
	}
	if _, err := t.exec(ctx, "INSERT INTO meta (key, value) VALUES (?, ?)", store.SlowestHashKey, []byte(slowest)); err != nil {
		return fmt.Errorf("store slowest hash: %w", err)
	}
	return nil
}

// storedSlowest is the twin an earlier import stored, or "".
func (t *target) storedSlowest(ctx context.Context) (string, error) {
	if t.empty {
		return "", nil
	}
	var v []byte
	err := t.c.QueryRowContext(ctx, t.rebind("SELECT value FROM meta WHERE key = ?"), store.SlowestHashKey).Scan(&v)
	if err != nil && !isNoRows(err) {
		return "", err
	}
	return string(v), nil
}
