package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxCachedStatements bounds a statement cache: queries built from filters (ListCases) come in
// many shapes, and the rarest need not stay prepared.
const maxCachedStatements = 512

// stmtCache keeps SQLite statements prepared, one set per pool. modernc's SQLite compiles a
// statement in Go, and compiling cost more than running for the short statements a report
// makes (a quarter of the CPU of `bench intake`). database/sql prepares a cached statement on
// each connection once and reuses it there, in and out of transactions. PostgreSQL needs none:
// pgx caches prepared statements per connection itself.
type stmtCache struct {
	pool   *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool // met inside a transaction, to prepare when the connection is free
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// lookup returns the statement prepared for query, or nil after noting it is wanted: inside a
// transaction on SQLite's single writer connection, preparing on the pool would wait for the
// very connection the transaction holds.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[query]
	if !ok && len(c.m)+len(c.wanted) < maxCachedStatements {
		c.wanted[query] = true
	}
	return st
}

// prepareWanted prepares the statements transactions asked for; called with no transaction
// open. The lock is not held while preparing: preparing waits for the connection, which a
// transaction may hold while it looks statements up.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	var queries []string
	for q := range c.wanted {
		queries = append(queries, q)
		delete(c.wanted, q)
	}
	c.mu.Unlock()
	for _, q := range queries {
		st, err := c.pool.PrepareContext(ctx, q)
		if err != nil {
			continue // the statement runs unprepared, and says what is wrong when it does
		}
		c.mu.Lock()
		if _, ok := c.m[q]; ok {
			_ = st.Close()
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

// get returns the statement prepared for query, or nil when the cache is full. The caller must
// not hold the pool's only connection (see lookup).
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[query]
	full := len(c.m) >= maxCachedStatements
	c.mu.Unlock()
	if ok || full {
		return st, nil
	}
	st, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		_ = st.Close()
		return prev, nil
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	for q, st := range c.m {
		err = errors.Join(err, st.Close())
		delete(c.m, q)
	}
	return err
}

// prepared returns q's statement for query, when the engine caches statements: from the
// write pool's cache within a transaction (bound to it), else from the pool's own.
func (db *DB) prepared(ctx context.Context, q querier, query string) (*sql.Stmt, error) {
	if db.writeStmts == nil {
		return nil, nil
	}
	switch q := q.(type) {
	case *sql.Tx:
		st := db.writeStmts.lookup(query)
		if st == nil {
			return nil, nil
		}
		// A transaction binds each statement once and reuses it: binding costs a lock and a
		// wrapper kept until the commit, per call, and a batch of steps runs the same few
		// statements thousands of times.
		t, ok := txnOf(ctx)
		if !ok || t.tx != q {
			return q.StmtContext(ctx, st), nil
		}
		if ts, ok := t.stmts[query]; ok {
			return ts, nil
		}
		ts := q.StmtContext(ctx, st)
		if t.stmts == nil {
			t.stmts = map[string]*sql.Stmt{}
		}
		t.stmts[query] = ts
		return ts, nil
	case *sql.DB:
		c := db.readStmts
		if q == db.write {
			c = db.writeStmts
		}
		return c.get(ctx, query)
	}
	return nil, nil
}
