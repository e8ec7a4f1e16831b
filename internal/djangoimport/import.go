// Package djangoimport moves a Django + Djoser deployment's accounts into gojoser: users with their ids
// and Django password hashes, staff as admins, groups as roles, DRF token keys (as gojoser's digests)
// and SimpleJWT's outstanding and blacklisted refresh tokens.
//
// A run reads the Django database in one read-only snapshot and writes gojoser's in one transaction:
// it is all or nothing. Reruns are idempotent and take the rows that changed in Django since the
// last run (see sidecarTable), which is how a cutover catches up. It streams users in id order and
// writes them in batches (COPY on PostgreSQL).
package djangoimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/password"
	"github.com/gojoser/gojoser/internal/store"
	"github.com/gojoser/gojoser/internal/validation"
	"github.com/gojoser/gojoser/internal/viewer"
)

// Options configure a run.
type Options struct {
	// From is the Django database: sqlite:/path/db.sqlite3 or postgres://...
	From string
	// UserTable is Django's user table (auth_user, or a custom user model's table) and Map how its
	// columns fill gojoser's user.
	UserTable string
	Map       Mapping
	// GroupsTable is the user model's groups table; "" means <UserTable>_groups.
	GroupsTable string
	// RoleMap renames Django groups to gojoser role names (for names that are not valid role names).
	RoleMap map[string]string
	// DryRun reads both databases and reports, and writes nothing.
	DryRun bool
	// BatchSize is how many users are read and written at a time.
	BatchSize int
	// Legacy is GOJOSER_LEGACY_HASHERS: whether imported MD5/SHA-1 hashes will verify.
	Legacy bool
	// Argon2 is the server's argon2id cost, to weigh imported hashes against (the failure floor).
	Argon2 password.Params
	// Report receives conflicts, warnings and the summary; Progress, when set, a progress line.
	Report   io.Writer
	Progress io.Writer
	// Log receives the schema migrations applied to gojoser's database first (nil: none).
	Log *slog.Logger
	Now func() time.Time
}

// Counts are what happened to one kind of row.
type Counts struct {
	Created, Updated, Skipped, Conflicting, Removed int
}

// Summary is a run's outcome.
type Summary struct {
	Users, Roles, Tokens, RefreshTokens Counts
	// Hashes counts the password hashes of created and updated users by algorithm.
	Hashes map[string]int
	// Unverifiable are users whose hash gojoser cannot verify (they reset their password).
	Unverifiable int
	// Missing are users an earlier run imported that Django no longer has (kept in gojoser).
	Missing int
	// Unmapped counts, per column of the user table that gojoser has no field for, the rows with a value.
	Unmapped map[string]int
	// Slowest is the algorithm of the costliest imported hash, and Floor what a failure on it costs.
	Slowest string
	Floor   time.Duration
}

// Conflicts is the number of conflicting rows of every kind.
func (s *Summary) Conflicts() int {
	return s.Users.Conflicting + s.Roles.Conflicting + s.Tokens.Conflicting + s.RefreshTokens.Conflicting
}

// Run imports from opts.From into the gojoser database at targetURL, migrating it first.
func Run(ctx context.Context, targetURL string, opts Options) (*Summary, error) {
	if opts.UserTable == "" {
		opts.UserTable = "auth_user"
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 5000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Report == nil {
		opts.Report = io.Discard
	}
	if opts.Argon2 == (password.Params{}) {
		opts.Argon2 = password.DefaultParams()
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if !opts.DryRun {
		if _, err := store.Migrate(ctx, targetURL, opts.Log); err != nil {
			return nil, err
		}
	}

	src, err := openSource(ctx, opts.From)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if err := src.begin(ctx, true); err != nil {
		return nil, fmt.Errorf("Django database: %w", err)
	}
	defer src.rollback()
	s := &source{conn: src, userTable: opts.UserTable}
	if err := s.inspect(ctx, opts); err != nil {
		return nil, err
	}

	dst, err := openTarget(ctx, targetURL, opts.DryRun)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	if err := dst.begin(ctx, opts.DryRun); err != nil {
		return nil, fmt.Errorf("gojoser database: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			dst.rollback()
		}
	}()
	t := &target{conn: dst, dry: opts.DryRun}
	if err := t.prepare(ctx); err != nil {
		return nil, err
	}

	r := &run{opts: opts, src: s, dst: t, sum: &Summary{Hashes: map[string]int{}}, out: newReport(opts.Report),
		hasher: password.NewHasher(opts.Argon2, 1, password.WithLegacyHashers(opts.Legacy)), twins: map[string]bool{}}
	if err := r.all(ctx); err != nil {
		return nil, err
	}
	if !opts.DryRun {
		if err := dst.commit(ctx); err != nil {
			return nil, fmt.Errorf("commit: %w", err)
		}
		committed = true
	}
	r.out.summary(r.sum, opts)
	return r.sum, nil
}

// run is one import's state.
type run struct {
	opts   Options
	src    *source
	dst    *target
	sum    *Summary
	out    *report
	hasher *password.Hasher

	roles map[string]int    // gojoser role name -> id
	group map[string]string // Django group -> gojoser role, for groups that map to a valid name
	owned []int             // ids of users this import owns in gojoser, ascending (for refresh tokens)
	twins map[string]bool   // distinct cost twins of imported Django hashes
}

func (r *run) all(ctx context.Context) error {
	unmapped, err := r.src.unmappedValues(ctx)
	if err != nil {
		return err
	}
	r.sum.Unmapped = unmapped
	for _, c := range r.src.unmapped {
		if n := unmapped[c]; n > 0 {
			r.out.warn("%s.%s: gojoser's user has no such field; %d rows hold a value that is not imported", r.src.userTable, c, n)
		}
	}
	if !r.src.tokens {
		r.out.note("no authtoken_token table: no DRF tokens to import")
	}
	if !r.src.blacklist {
		r.out.note("no SimpleJWT token_blacklist tables: refresh tokens are recorded by gojoser when first used")
	}
	if err := r.importRoles(ctx); err != nil {
		return err
	}
	if err := r.importUsers(ctx); err != nil {
		return err
	}
	if err := r.importRefreshTokens(ctx); err != nil {
		return err
	}
	slowest, err := r.slowestHash(ctx)
	if err != nil {
		return err
	}
	return r.dst.finish(ctx, slowest)
}

// roleName is the rule for role names, as the role endpoints apply it.
var roleName = validation.Char{Required: true, NoTrim: true, Rules: []string{"rolename", "max=64"}}

// importRoles makes a role of each Django group (and the built-in admin role).
func (r *run) importRoles(ctx context.Context) error {
	groups, err := r.src.groupNames(ctx)
	if err != nil {
		return err
	}
	r.group = map[string]string{}
	want := []string{adminRole}
	for _, g := range groups {
		name := g
		if m, ok := r.opts.RoleMap[g]; ok {
			name = m
		}
		var errs drf.FieldErrors
		if _, _, ok := roleName.Clean(&errs, "name", validation.Value{Set: true, S: name}); !ok {
			r.sum.Roles.Conflicting++
			r.out.conflict("group %q: %q is not a valid role name (letters, digits, _ . - only, at most 64); "+
				"its members do not get it. Pass --role-map '%s=<role>'", g, name, g)
			continue
		}
		r.group[g] = name
		want = append(want, name)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	ids, created, err := r.dst.ensureRoles(ctx, want)
	if err != nil {
		return err
	}
	r.roles = ids
	r.sum.Roles.Created = len(created)
	r.sum.Roles.Skipped = len(want) - len(created)
	return nil
}

// adminRole is the role Django's is_staff and is_superuser become.
const adminRole = viewer.AdminRole

// stateOf is the gojoser state a Django user is imported as.
func (r *run) stateOf(u djangoUser) userState {
	s := userState{Username: u.Username, Email: u.Email, Password: u.Password, Active: u.Active,
		DateJoined: u.DateJoined, LastLogin: u.LastLogin}
	if u.Staff || u.Superuser {
		s.Roles = append(s.Roles, adminRole)
	}
	for _, g := range u.Groups {
		if name, ok := r.group[g]; ok {
			s.Roles = append(s.Roles, name)
		}
	}
	slices.Sort(s.Roles)
	s.Roles = slices.Compact(s.Roles)
	return s
}

var (
	usernameRule = validation.Char{Required: true, NoTrim: true, Rules: []string{"username", "max=150"}}
	emailRule    = validation.Char{AllowBlank: true, NoTrim: true, Rules: []string{"max=254"}}
)

func (r *run) importUsers(ctx context.Context) error {
	total, err := r.src.count(ctx)
	if err != nil {
		return fmt.Errorf("count users: %w", err)
	}
	prog := newProgress(r.opts.Progress, "users", total, r.opts.Now)
	defer prog.done()

	// Reading Django and writing gojoser overlap: the next batch is read while one is written.
	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan []djangoUser, 2)
	g.Go(func() error { return r.src.users(gctx, r.opts.BatchSize, batches) })
	g.Go(func() error {
		after := -1 << 62 // sidecar rows are read by id range, so ids that left Django are seen
		for batch := range batches {
			hi := batch[len(batch)-1].ID
			if err := r.usersBatch(gctx, batch, after, hi); err != nil {
				return err
			}
			after = hi
			prog.add(len(batch))
		}
		if gctx.Err() != nil {
			return gctx.Err()
		}
		rest, err := r.dst.sidecarIn(gctx, after, -1)
		if err != nil {
			return err
		}
		r.missing(rest, nil)
		return nil
	})
	return g.Wait()
}

// missing reports users an earlier run imported that Django no longer has.
func (r *run) missing(side map[int]sidecarRow, seen map[int]bool) {
	ids := make([]int, 0)
	for id := range side {
		if !seen[id] {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	for _, id := range ids {
		r.sum.Missing++
		r.out.note("user %d: imported before, no longer in Django; kept in gojoser", id)
	}
}

// usersBatch classifies and writes one batch of users (ids ascending, all in (after, hi]).
func (r *run) usersBatch(ctx context.Context, batch []djangoUser, after, hi int) error {
	lo := batch[0].ID
	current, err := r.dst.usersIn(ctx, lo, hi)
	if err != nil {
		return err
	}
	side, err := r.dst.sidecarIn(ctx, after, hi)
	if err != nil {
		return err
	}
	// Look up only what can have changed: a username a user does not hold yet, and keys that differ
	// from the ones imported last time. A rerun over unchanged rows looks up nothing more.
	var names []string
	var digests [][]byte
	for _, u := range batch {
		if cur := current[u.ID]; cur == nil || cur.Username != u.Username {
			names = append(names, u.Username)
		}
		if prev := side[u.ID].tokenDigest; !slices.Equal(u.TokenDigest, prev) {
			if u.TokenDigest != nil {
				digests = append(digests, u.TokenDigest)
			}
			if prev != nil {
				digests = append(digests, prev)
			}
		}
	}
	holders, err := r.dst.idsByUsername(ctx, names)
	if err != nil {
		return err
	}
	owners, err := r.dst.tokenOwners(ctx, digests)
	if err != nil {
		return err
	}

	w := &writes{}
	seen := make(map[int]bool, len(batch))
	for _, u := range batch {
		seen[u.ID] = true
		r.user(u, current[u.ID], side, holders, owners, w)
	}
	r.missing(side, seen)
	return r.dst.apply(ctx, w)
}

// user decides what happens to one Django user and their DRF token.
func (r *run) user(u djangoUser, cur *gojoserUser, side map[int]sidecarRow, holders, owners map[string]int, w *writes) {
	d := r.stateOf(u)
	dd := d.digests()
	prev, imported := side[u.ID]
	conflict := func(format string, args ...any) {
		r.sum.Users.Conflicting++
		r.out.conflict("user %d %q: "+format, append([]any{u.ID, u.Username}, args...)...)
	}
	var errs drf.FieldErrors
	usernameRule.Clean(&errs, "username", validation.Value{Set: true, S: u.Username})
	emailRule.Clean(&errs, "email", validation.Value{Set: true, S: u.Email})
	if !errs.Empty() {
		conflict("not valid in gojoser: %s", errs.Error())
		return
	}
	if holder, ok := holders[u.Username]; ok && holder != u.ID {
		conflict("username belongs to gojoser user %d", holder)
		return
	}

	// record notes Django's version as the base of the next run's merge.
	record := func() {
		if imported {
			w.sidecarIDs = append(w.sidecarIDs, u.ID)
		}
		w.sidecarRows = append(w.sidecarRows, []any{u.ID, dd.bytes(), nil})
	}
	base, baseOK := parseDigests(prev.fields)
	switch {
	case cur == nil && imported:
		r.sum.Users.Skipped++
		r.out.note("user %d %q: deleted in gojoser since the last import; not recreated", u.ID, u.Username)
		return
	case cur == nil:
		r.sum.Users.Created++
		// Without a date_joined column the import's time stands in; the digests keep "none", so a
		// rerun does not take that for a change.
		w.createUsers = append(w.createUsers, []any{u.ID, u.Username, u.Email, u.Password, u.Active, orNow(u.DateJoined, r.opts.Now),
			timeOrNil(u.LastLogin), int64(0), ""})
		r.grant(u.ID, d.Roles, w)
		r.checkHash(u)
		record()
	case !imported || !baseOK:
		// gojoser has this id, and not from an import: take it only if it is the same user.
		if cur.digests() != dd {
			conflict("gojoser has a user with this id (%q) that no import wrote, and it differs", cur.Username)
			return
		}
		r.sum.Users.Skipped++
		record()
	case dd == base:
		// Django unchanged since the last import: whatever gojoser did since stands.
		r.sum.Users.Skipped++
	default:
		m, changed, both := merge(d, cur.userState, base)
		if len(both) > 0 {
			conflict("%s changed in both Django and gojoser since the last import; gojoser's version is kept",
				strings.Join(both, ", "))
			return
		}
		record()
		if len(changed) == 0 {
			r.sum.Users.Skipped++ // changed alike on both sides
			break
		}
		r.sum.Users.Updated++
		w.updateUsers = append(w.updateUsers, updateRow{userState: m, id: u.ID})
		w.changedUsers = append(w.changedUsers, u.ID)
		if slices.Contains(changed, "roles") {
			w.roleUsers = append(w.roleUsers, u.ID)
			r.grant(u.ID, m.Roles, w)
		}
		if slices.Contains(changed, "password") {
			r.checkHash(u)
		}
	}
	r.own(u.ID)
	r.token(u, prev, owners, w)
}

// merge is a three-way merge of a user's fields: Django's now (d), gojoser's now (g) and Django's at
// the last import (base). A field only Django changed takes Django's value; one only gojoser changed
// keeps gojoser's; one both changed differently is a conflict, except last_login, where the later
// login wins. changed lists the fields that take Django's value.
func merge(d, g userState, base digests) (m userState, changed, both []string) {
	dd, gd := d.digests(), g.digests()
	m = g
	take := func(i int, set func()) {
		switch {
		case dd[i] == base[i] || dd[i] == gd[i]:
		case gd[i] == base[i] || i == fLastLogin && later(d.LastLogin, g.LastLogin):
			set()
			changed = append(changed, stateFields[i])
		case i != fLastLogin:
			both = append(both, stateFields[i])
		}
	}
	take(fUsername, func() { m.Username = d.Username })
	take(fEmail, func() { m.Email = d.Email })
	take(fPassword, func() { m.Password = d.Password })
	take(fActive, func() { m.Active = d.Active })
	take(fDateJoined, func() { m.DateJoined = d.DateJoined })
	take(fLastLogin, func() { m.LastLogin = d.LastLogin })
	take(fRoles, func() { m.Roles = d.Roles })
	return m, changed, both
}

// later reports whether a is after b (a time is after none).
func later(a, b *time.Time) bool { return a != nil && (b == nil || a.After(*b)) }

// token brings a user's DRF token along: a new key is added, a key Django no longer has is removed
// (the user logged out there), and a token gojoser removed since the last import stays removed.
func (r *run) token(u djangoUser, prev sidecarRow, owners map[string]int, w *writes) {
	digest := u.TokenDigest
	// The sidecar row written for this user (last in the list) carries the digest now imported.
	if n := len(w.sidecarRows); n > 0 && w.sidecarRows[n-1][0] == u.ID {
		w.sidecarRows[n-1][2] = bytesOrNil(digest)
	} else if !slices.Equal(digest, prev.tokenDigest) {
		// Only a user imported before gets here without a new record.
		w.sidecarIDs = append(w.sidecarIDs, u.ID)
		w.sidecarRows = append(w.sidecarRows, []any{u.ID, prev.fields, bytesOrNil(digest)})
	}
	if slices.Equal(digest, prev.tokenDigest) {
		if digest != nil {
			r.sum.Tokens.Skipped++
		}
		return
	}
	if prev.tokenDigest != nil {
		if _, ok := owners[string(prev.tokenDigest)]; ok {
			w.dropTokens = append(w.dropTokens, prev.tokenDigest)
			w.changedUsers = append(w.changedUsers, u.ID)
			r.sum.Tokens.Removed++
		}
	}
	if digest == nil {
		return
	}
	switch owner, ok := owners[string(digest)]; {
	case ok && owner == u.ID:
		r.sum.Tokens.Skipped++
	case ok:
		r.sum.Tokens.Conflicting++
		r.out.conflict("token of user %d %q: gojoser has the same key for user %d", u.ID, u.Username, owner)
	default:
		created := orNow(u.TokenCreated, r.opts.Now)
		w.createTokens = append(w.createTokens, []any{digest, created, tokenLabel, u.ID})
		r.sum.Tokens.Created++
	}
}

func (r *run) grant(id int, roles []string, w *writes) {
	for _, name := range roles {
		w.userRoles = append(w.userRoles, []any{id, r.roles[name]})
	}
}

// own notes that refresh tokens of user id may be imported. Ids arrive in ascending order.
func (r *run) own(id int) { r.owned = append(r.owned, id) }

func (r *run) owns(id int) bool {
	_, ok := slices.BinarySearch(r.owned, id)
	return ok
}

// checkHash counts the algorithm of an imported password hash and reports one gojoser cannot verify.
func (r *run) checkHash(u djangoUser) {
	alg, err := r.hasher.Identify(u.Password)
	r.sum.Hashes[alg]++
	if err != nil {
		r.sum.Unverifiable++
		r.out.warn("user %d %q: %v; the user cannot log in until the password is reset", u.ID, u.Username, err)
		return
	}
	if twin, err := password.Twin(u.Password); err == nil {
		r.twins[twin] = true
	}
}

// importRefreshTokens records SimpleJWT's outstanding refresh tokens by jti. Blacklisted ones are
// recorded as revoked, so they stay refused; the rest keep working until they expire.
func (r *run) importRefreshTokens(ctx context.Context) error {
	now := r.opts.Now()
	var batch []djangoRefresh
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		jtis := make([]string, len(batch))
		for i, t := range batch {
			jtis[i] = t.JTI
		}
		have, err := r.dst.refreshByJTI(ctx, jtis)
		if err != nil {
			return err
		}
		w := &writes{}
		for _, t := range batch {
			r.refresh(t, have, w)
		}
		batch = batch[:0]
		return r.dst.apply(ctx, w)
	}
	err := r.src.refreshTokens(ctx, func(t djangoRefresh) error {
		switch {
		case t.Expires == nil || !t.Expires.After(now):
			r.sum.RefreshTokens.Skipped++ // expired: nothing left to honour or refuse
			return nil
		case t.UserID == nil || !r.owns(*t.UserID):
			r.sum.RefreshTokens.Skipped++
			return nil
		case len(t.JTI) > 64:
			r.sum.RefreshTokens.Conflicting++
			r.out.conflict("refresh token of user %d: jti longer than 64 characters", *t.UserID)
			return nil
		}
		batch = append(batch, t)
		if len(batch) == r.opts.BatchSize {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

func (r *run) refresh(t djangoRefresh, have map[string]refreshState, w *writes) {
	cur, ok := have[t.JTI]
	switch {
	case ok && cur.userID != *t.UserID:
		r.sum.RefreshTokens.Conflicting++
		r.out.conflict("refresh token of user %d: gojoser has its jti for user %d", *t.UserID, cur.userID)
	case ok && t.Blacklisted != nil && !cur.revoked:
		r.sum.RefreshTokens.Updated++
		w.revokeRefresh = append(w.revokeRefresh, [2]any{*t.Blacklisted, t.JTI})
	case ok:
		r.sum.RefreshTokens.Skipped++
	default:
		r.sum.RefreshTokens.Created++
		w.createRefresh = append(w.createRefresh, []any{t.JTI, *t.UserID, t.JTI, orNow(t.Created, r.opts.Now), *t.Expires,
			timeOrNil(t.Blacklisted)})
	}
}

// slowestHash weighs the twins of imported hashes (and the one an earlier run stored) by timing a
// failed verification of each, and returns the costliest: the server pads failed logins to it.
func (r *run) slowestHash(ctx context.Context) (string, error) {
	if len(r.twins) == 0 {
		return "", nil
	}
	prev, err := r.dst.storedSlowest(ctx)
	if err != nil {
		return "", err
	}
	if prev != "" {
		r.twins[prev] = true
	}
	twins := make([]string, 0, len(r.twins))
	for t := range r.twins {
		twins = append(twins, t)
	}
	slices.Sort(twins)
	const maxTimed = 64
	if len(twins) > maxTimed {
		r.out.warn("%d distinct password hash costs; the failure floor is weighed on the first %d", len(twins), maxTimed)
		twins = twins[:maxTimed]
	}
	var best string
	var bestD time.Duration
	for _, t := range twins {
		d, err := r.hasher.FailureCost(ctx, t) // one run each: the server calibrates on the winner with three
		if err != nil {
			return "", err
		}
		if d > bestD {
			best, bestD = t, d
		}
	}
	r.sum.Slowest, _ = r.hasher.Identify(best)
	r.sum.Floor = bestD
	return best, nil
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

func bytesOrNil(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

// orNow is t, or the current time when Django left it empty.
func orNow(t *time.Time, clock func() time.Time) time.Time {
	if t != nil {
		return *t
	}
	return clock().UTC()
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
