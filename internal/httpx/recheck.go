package httpx

import (
	"context"

	"github.com/citygrid/citygrid/internal/access"
)

// Recheck proves again who a request's caller is, with the credentials the request came with:
// answers that last (event streams) call it now and then, so that a user disabled, a session
// ended or a token revoked while they run loses them too.
type Recheck func(context.Context) (*access.Principal, error)

type recheckKey struct{}

// WithRecheck returns a context carrying how to prove the caller again; the front door sets it
// beside the principal it resolved.
func WithRecheck(ctx context.Context, f Recheck) context.Context {
	return context.WithValue(ctx, recheckKey{}, f)
}

// RecheckOf returns how to prove the caller of ctx again, or nil when nothing was resolved.
func RecheckOf(ctx context.Context) Recheck {
	f, _ := ctx.Value(recheckKey{}).(Recheck)
	return f
}
