package store

import (
	"context"
	"fmt"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/gojoser/gojoser/internal/store/dburl"
	"github.com/gojoser/gojoser/internal/store/migrations"
)

// createRevisions is the DDL of revisionTable. It is not a migration itself: it records them.
func createRevisions(d dburl.Dialect) string {
	integer, timestamp := "bigint", "timestamptz"
	if d == dburl.SQLite {
		integer, timestamp = "integer", "datetime"
	}
	return fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
	version text NOT NULL PRIMARY KEY,
	description text NOT NULL,
	type %[2]s NOT NULL,
	applied %[2]s NOT NULL,
	total %[2]s NOT NULL,
	executed_at %[3]s NOT NULL,
	execution_time %[2]s NOT NULL,
	hash text NOT NULL,
	operator_version text NOT NULL
)`, revisionTable, integer, timestamp)
}

var revisionColumns = []string{
	"version", "description", "type", "applied", "total", "executed_at", "execution_time", "hash", "operator_version",
}

// revisions is Atlas's revision storage on revisionTable, read and written in the migration's
// transaction. A migration's statements and its revision commit together, so a revision is never left
// partly applied, and the error fields Atlas fills on failure are rolled back with the rest: the error
// goes to whoever ran the migration.
type revisions struct {
	q       schema.ExecQuerier
	dialect dburl.Dialect
}

var _ migrate.RevisionReadWriter = (*revisions)(nil)

func (r *revisions) Ident() *migrate.TableIdent { return &migrate.TableIdent{Name: revisionTable} }

func (r *revisions) builder() *entsql.DialectBuilder {
	return entsql.Dialect(migrations.EntDialect(r.dialect))
}

func (r *revisions) read(ctx context.Context, where *entsql.Predicate) ([]*migrate.Revision, error) {
	sel := r.builder().Select(revisionColumns...).From(entsql.Table(revisionTable)).OrderBy("version")
	if where != nil {
		sel.Where(where)
	}
	query, args := sel.Query()
	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", revisionTable, err)
	}
	defer rows.Close()
	var revs []*migrate.Revision
	for rows.Next() {
		var (
			rev       migrate.Revision
			typ, took int64
		)
		if err := rows.Scan(&rev.Version, &rev.Description, &typ, &rev.Applied, &rev.Total, &rev.ExecutedAt, &took,
			&rev.Hash, &rev.OperatorVersion); err != nil {
			return nil, fmt.Errorf("read %s: %w", revisionTable, err)
		}
		rev.Type, rev.ExecutionTime = migrate.RevisionType(typ), time.Duration(took)
		revs = append(revs, &rev)
	}
	return revs, rows.Err()
}

func (r *revisions) ReadRevisions(ctx context.Context) ([]*migrate.Revision, error) {
	return r.read(ctx, nil)
}

func (r *revisions) ReadRevision(ctx context.Context, version string) (*migrate.Revision, error) {
	revs, err := r.read(ctx, entsql.EQ("version", version))
	if err != nil {
		return nil, err
	}
	if len(revs) == 0 {
		return nil, migrate.ErrRevisionNotExist
	}
	return revs[0], nil
}

func (r *revisions) WriteRevision(ctx context.Context, rev *migrate.Revision) error {
	query, args := r.builder().Insert(revisionTable).Columns(revisionColumns...).
		Values(rev.Version, rev.Description, int64(rev.Type), rev.Applied, rev.Total, rev.ExecutedAt.UTC(),
			int64(rev.ExecutionTime), rev.Hash, rev.OperatorVersion).
		OnConflict(entsql.ConflictColumns("version"), entsql.ResolveWithNewValues()).
		Query()
	_, err := r.q.ExecContext(ctx, query, args...)
	return err
}

func (r *revisions) DeleteRevision(ctx context.Context, version string) error {
	query, args := r.builder().Delete(revisionTable).Where(entsql.EQ("version", version)).Query()
	_, err := r.q.ExecContext(ctx, query, args...)
	return err
}
