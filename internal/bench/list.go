package bench

import (
	"context"
	"io"

	"github.com/citygrid/citygrid/internal/store"
)

type ListConfig struct {
	Cases, Queries int
	Seed           uint64
}
type ListResult struct{}

func List(ctx context.Context, w io.Writer, db *store.DB, where string, cfg ListConfig) (*ListResult, error) {
	return nil, nil
}
