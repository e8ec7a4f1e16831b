package djangoimport

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gojoser/gojoser/internal/tokens"
)

// source reads a Django database: the user table, groups, DRF tokens and SimpleJWT's blacklist app.
// It reads in one read-only transaction, so everything comes from one snapshot.
type source struct {
	*conn
	userTable string
	cols      map[string]string // gojoser field -> column
	unmapped  []string

	tokens        bool   // authtoken_token exists
	groupsTable   string // "" when there is none
	groupsUserCol string
	blacklist     bool // SimpleJWT's token_blacklist tables exist
}

// djangoUser is one row of the user table with its DRF token and group names.
type djangoUser struct {
	ID                        int
	Username, Email, Password string
	Active, Staff, Superuser  bool
	DateJoined                *time.Time
	LastLogin                 *time.Time
	TokenKey                  string
	TokenDigest               []byte // what gojoser stores for TokenKey; nil without a key
	TokenCreated              *time.Time
	Groups                    []string
}

// djangoRefresh is an outstanding SimpleJWT refresh token, by jti (the token itself is not read).
type djangoRefresh struct {
	JTI         string
	UserID      *int
	Created     *time.Time
	Expires     *time.Time
	Blacklisted *time.Time
}

// inspect finds the tables and resolves the column mapping.
func (s *source) inspect(ctx context.Context, opts Options) error {
	cols, err := s.columns(ctx, s.userTable)
	if err != nil {
		return err
	}
	if len(cols) == 0 {
		return fmt.Errorf("the Django database has no table %q (is --from right? --user-table for a custom user model)", s.userTable)
	}
	if s.cols, s.unmapped, err = opts.Map.resolve(s.userTable, cols); err != nil {
		return err
	}
	tok, err := s.columns(ctx, "authtoken_token")
	if err != nil {
		return err
	}
	s.tokens = slices.Contains(tok, "key") && slices.Contains(tok, "user_id")

	gt := opts.GroupsTable
	if gt == "" {
		gt = s.userTable + "_groups" // Django's name for the groups many-to-many of a user model
	}
	gcols, err := s.columns(ctx, gt)
	if err != nil {
		return err
	}
	if len(gcols) > 0 {
		for _, c := range gcols {
			if strings.HasSuffix(c, "_id") && c != "group_id" {
				s.groupsUserCol = c
			}
		}
		if s.groupsUserCol == "" || !slices.Contains(gcols, "group_id") {
			return fmt.Errorf("groups table %s: want a group_id column and a <model>_id column", gt)
		}
		s.groupsTable = gt
	} else if opts.GroupsTable != "" {
		return fmt.Errorf("the Django database has no table %q (--groups-table)", gt)
	}

	out, err := s.columns(ctx, "token_blacklist_outstandingtoken")
	if err != nil {
		return err
	}
	bl, err := s.columns(ctx, "token_blacklist_blacklistedtoken")
	if err != nil {
		return err
	}
	s.blacklist = len(out) > 0 && len(bl) > 0
	return nil
}

func (s *source) count(ctx context.Context) (int, error) {
	var n int
	err := s.c.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(s.userTable)).Scan(&n)
	return n, err
}

// groupNames lists auth_group's names.
func (s *source) groupNames(ctx context.Context) ([]string, error) {
	if s.groupsTable == "" {
		return nil, nil
	}
	names, err := s.strings(ctx, "SELECT name FROM auth_group ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("read auth_group: %w", err)
	}
	return names, nil
}

// unmappedValues counts, for each column no gojoser field takes, the rows where it holds something.
func (s *source) unmappedValues(ctx context.Context) (map[string]int, error) {
	if len(s.unmapped) == 0 {
		return nil, nil
	}
	exprs := make([]string, len(s.unmapped))
	for i, c := range s.unmapped {
		exprs[i] = fmt.Sprintf("COALESCE(SUM(CASE WHEN %[1]s IS NOT NULL AND CAST(%[1]s AS TEXT) <> '' THEN 1 ELSE 0 END), 0)", quote(c))
	}
	n := make([]int64, len(s.unmapped))
	dest := make([]any, len(n))
	for i := range n {
		dest[i] = &n[i]
	}
	if err := s.c.QueryRowContext(ctx, "SELECT "+strings.Join(exprs, ", ")+" FROM "+quote(s.userTable)).Scan(dest...); err != nil {
		return nil, fmt.Errorf("count values of unmapped columns: %w", err)
	}
	out := map[string]int{}
	for i, c := range s.unmapped {
		out[c] = int(n[i])
	}
	return out, nil
}

// usersQuery selects every user in id order with their token and group names.
func (s *source) usersQuery() string {
	col := func(field string) string {
		if c, ok := s.cols[field]; ok {
			return "u." + quote(c)
		}
		return "NULL"
	}
	id := col("id")
	sel := []string{id, col("username"), col("password"), col("email"), col("is_active"), col("date_joined"),
		col("last_login"), col("is_staff"), col("is_superuser")}
	from := quote(s.userTable) + " u"
	if s.tokens {
		sel = append(sel, "t.key", "t.created")
		from += " LEFT JOIN authtoken_token t ON t.user_id = " + id
	} else {
		sel = append(sel, "NULL", "NULL")
	}
	if s.groupsTable != "" {
		// Group names aggregated once per user and joined, rather than a subquery run for every user.
		agg := "json_group_array(g.name)"
		if s.postgres {
			agg = "json_agg(g.name)::text"
		}
		sel = append(sel, "gr.names")
		from += fmt.Sprintf(" LEFT JOIN (SELECT ug.%[3]s AS uid, %[1]s AS names FROM %[2]s ug JOIN auth_group g ON g.id = ug.group_id GROUP BY ug.%[3]s) gr ON gr.uid = %[4]s",
			agg, quote(s.groupsTable), quote(s.groupsUserCol), id)
	} else {
		sel = append(sel, "NULL")
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + from + " ORDER BY " + id
}

// users streams the user table in batches of n, in id order, to out, and closes it.
func (s *source) users(ctx context.Context, n int, out chan<- []djangoUser) error {
	defer close(out)
	rows, err := s.query(ctx, s.usersQuery())
	if err != nil {
		return fmt.Errorf("read %s: %w", s.userTable, err)
	}
	defer rows.Close()
	batch := make([]djangoUser, 0, n)
	var v [12]any
	dest := make([]any, len(v))
	for i := range v {
		dest[i] = &v[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read %s: %w", s.userTable, err)
		}
		u, err := readUser(v)
		if err != nil {
			return fmt.Errorf("read %s: %w", s.userTable, err)
		}
		batch = append(batch, u)
		if len(batch) == n {
			select {
			case out <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = make([]djangoUser, 0, n)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", s.userTable, err)
	}
	if len(batch) > 0 {
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func readUser(v [12]any) (djangoUser, error) {
	id, ok := v[0].(int64)
	if !ok {
		return djangoUser{}, fmt.Errorf("user id %v is not an integer: gojoser keeps integer ids", v[0])
	}
	u := djangoUser{ID: int(id), Username: asString(v[1]), Password: asString(v[2]), Email: asString(v[3]), TokenKey: asString(v[9])}
	var err error
	fail := func(what string, err error) (djangoUser, error) {
		return djangoUser{}, fmt.Errorf("user %d: %s: %w", id, what, err)
	}
	if u.Active, err = asBool(v[4], true); err != nil {
		return fail("is_active", err)
	}
	if u.DateJoined, err = asTime(v[5]); err != nil {
		return fail("date_joined", err)
	}
	if u.LastLogin, err = asTime(v[6]); err != nil {
		return fail("last_login", err)
	}
	if u.Staff, err = asBool(v[7], false); err != nil {
		return fail("is_staff", err)
	}
	if u.Superuser, err = asBool(v[8], false); err != nil {
		return fail("is_superuser", err)
	}
	if u.TokenKey != "" {
		u.TokenDigest = tokens.Digest(u.TokenKey)
	}
	if u.TokenCreated, err = asTime(v[10]); err != nil {
		return fail("token created", err)
	}
	if g := asString(v[11]); g != "" {
		var names []*string
		if err := json.Unmarshal([]byte(g), &names); err != nil {
			return fail("groups", err)
		}
		for _, n := range names {
			if n != nil { // json_agg over a LEFT JOIN-less subquery has none, but be safe
				u.Groups = append(u.Groups, *n)
			}
		}
		slices.Sort(u.Groups)
	}
	return u, nil
}

// refreshTokens calls fn for each outstanding SimpleJWT refresh token, in id order.
func (s *source) refreshTokens(ctx context.Context, fn func(djangoRefresh) error) error {
	if !s.blacklist {
		return nil
	}
	rows, err := s.query(ctx, `SELECT o.jti, o.user_id, o.created_at, o.expires_at, b.blacklisted_at
		FROM token_blacklist_outstandingtoken o LEFT JOIN token_blacklist_blacklistedtoken b ON b.token_id = o.id
		ORDER BY o.id`)
	if err != nil {
		return fmt.Errorf("read token_blacklist_outstandingtoken: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var jti string
		var uid, created, expires, black any
		if err := rows.Scan(&jti, &uid, &created, &expires, &black); err != nil {
			return err
		}
		r := djangoRefresh{JTI: jti}
		if id, ok := uid.(int64); ok {
			n := int(id)
			r.UserID = &n
		}
		if r.Created, err = asTime(created); err != nil {
			return err
		}
		if r.Expires, err = asTime(expires); err != nil {
			return err
		}
		if r.Blacklisted, err = asTime(black); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
