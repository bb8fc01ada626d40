package store

import (
	"context"
	"database/sql"
)

// InTransaction reports whether ctx carries a transaction (see InTx): work done with it joins
// that transaction rather than committing on its own.
func (db *DB) InTransaction(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*sql.Tx)
	return ok
}
