// Package follow holds the use cases of following by e-mail (关注): anyone may follow a public
// case, or the new public reports of a subdistrict or community (optionally of one category
// class), with an e-mail address, and read an area's newest reports as an Atom feed. A follow
// runs only once the address has confirmed it by the link mailed to it (double opt-in: nobody
// is signed up by someone else, not even an anonymous reporter at report time, since anyone can
// type any address into the form; a signed-in resident's own account address was proved at
// sign-up and needs no confirming), and ends in one click by the token every mail carries. The mails
// themselves go through the outbox (package notices), never from the request.
//
// What each refuses:
//   - FollowCase, FollowArea: a server that mails nothing (unavailable, no_mail); an address that is not one plain address (invalid, bad_email); a
//     ticket not known or of a non-public category (not found, case_not_found); a region that is
//     not a subdistrict or community (not found, no_area), a class no public category has
//     (invalid, bad_value); more than PerAddress requests for one address or PerClient from one
//     client address per Window, refused requests counted (too many requests, throttled). Asking again for a follow that
//     runs answers the same and mails nothing, so the answer never tells whether an address
//     follows something.
//   - Follow, Confirm, Unsubscribe: a token that is not one (not found, follow_not_found).
//     Confirm: a follow ended since (conflict, follow_ended). Unsubscribe is idempotent.
//   - AreaFeed: as FollowArea for the region and class.
package follow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// TopicConfirm is the outbox topic of a confirmation mail; its payload names the follow.
const TopicConfirm = "follow.confirm"

// ConfirmMessage is the payload of a TopicConfirm message.
type ConfirmMessage struct {
	FollowID int64 `json:"follow_id"`
	// AtReport is true when the reporter left the address on the report form.
	AtReport bool `json:"at_report,omitempty"`
}

// Service runs the follow use cases; it shares the kernel with the other areas.
type Service struct {
	*kernel.Core
	// At most PerAddress follow requests for one e-mail address, and PerClient from one client
	// address (an IPv6 /64), per Window; defaults 5 and 30 an hour.
	PerAddress, PerClient int
	Window                time.Duration
}

// New returns the follow use cases over core.
func New(core *kernel.Core) *Service {
	return &Service{Core: core, PerAddress: 5, PerClient: 30, Window: time.Hour}
}

// maxAddress is the longest address taken (RFC 5321's path limit less the brackets).
const maxAddress = 254

// CheckAddress returns the address an e-mail field holds, lower-cased, or refuses anything but
// one plain address of printable ASCII: no display name, no comment, no second line.
func CheckAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := errs.RefuseCoded(errs.Invalid, "bad_email", nil, "give one e-mail address, such as name@example.com")
	if s == "" || len(s) > maxAddress || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f }) >= 0 {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", bad
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if at < 1 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", bad
	}
	return strings.ToLower(s), nil
}

var ticketShape = regexp.MustCompile(`^[0-9]{8}-[0-9]{6}$`)

// FollowCase asks to follow the case with a ticket: it stores the follow as pending and queues
// the mail that confirms it. atReport says the reporter left the address with the report.
func (a *Service) FollowCase(ctx context.Context, viewer *access.Principal, ticket, email string, atReport bool) error {
	if err := a.mails(); err != nil {
		return err
	}
	addr, err := CheckAddress(email)
	if err != nil {
		return err
	}
	notFound := errs.Refuse(errs.NotFound, "case_not_found", nil, "no case with that ticket")
	if !ticketShape.MatchString(ticket) {
		return notFound
	}
	if err := a.throttle(ctx, addr); err != nil {
		return err
	}
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		rec, err := a.DB.CaseByTicket(ctx, ticket)
		if errs.Is(err, errs.NotFound) {
			return notFound
		} else if err != nil {
			return err
		}
		cat, err := a.Category(ctx, rec.State.Kind, rec.State.Category)
		if err != nil {
			return err
		}
		if !cat.Public && !kernel.IsStaff(viewer) {
			return notFound
		}
		return a.request(ctx, viewer, store.Follow{Kind: store.FollowCase, CaseID: rec.ID, Email: addr}, atReport)
	})
}

// FollowArea asks to follow the new public reports of a subdistrict or community, of one
// category class ("matter-09") or of every class (""), as FollowCase does.
func (a *Service) FollowArea(ctx context.Context, viewer *access.Principal, region, class, email string) error {
	if err := a.mails(); err != nil {
		return err
	}
	addr, err := CheckAddress(email)
	if err != nil {
		return err
	}
	if _, _, err := a.Area(ctx, region, class); err != nil {
		return err
	}
	if err := a.throttle(ctx, addr); err != nil {
		return err
	}
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		return a.request(ctx, viewer, store.Follow{Kind: store.FollowArea, Region: region, Class: class, Email: addr}, false)
	})
}

// Mails reports whether the server sends mail: without it nobody can follow by e-mail.
func (a *Service) Mails() bool { return a.Opts.Mailer != nil }

func (a *Service) mails() error {
	if !a.Mails() {
		return errs.RefuseCoded(errs.Unavailable, "no_mail", nil, "this server sends no e-mail, so nothing can be followed by e-mail")
	}
	return nil
}

// request stores a follow as pending (or finds it) and queues its confirmation mail unless it
// runs already; in the caller's transaction.
func (a *Service) request(ctx context.Context, viewer *access.Principal, f store.Follow, atReport bool) error {
	f.Token, f.CreatedAt = newToken(), a.Now()
	got, err := a.DB.RequestFollow(ctx, f)
	if err != nil {
		return err
	}
	if got.ConfirmedAt != nil {
		return nil // runs already: nothing to confirm, and the answer is the same
	}
	if ownAddress(viewer, got.Email) {
		// A resident's own account address was proved when they signed up (people.SignUp).
		if _, err := a.DB.ConfirmFollow(ctx, got.ID, a.Now()); err != nil {
			return err
		}
		return a.Record(ctx, viewer, "follow.confirm", fmt.Sprintf("follow:%d", got.ID), nil, subject(got))
	}
	payload, _ := json.Marshal(ConfirmMessage{FollowID: got.ID, AtReport: atReport})
	if err := a.DB.Enqueue(ctx, TopicConfirm, string(payload), a.Now()); err != nil {
		return err
	}
	return a.Record(ctx, viewer, "follow.request", fmt.Sprintf("follow:%d", got.ID), nil, subject(got))
}

// ownAddress reports whether addr is the signed-in resident's own account address, which
// needs no confirming.
func ownAddress(viewer *access.Principal, addr string) bool {
	return viewer != nil && !viewer.System && viewer.User.Role == access.Resident && viewer.User.Email != "" && strings.EqualFold(viewer.User.Email, addr)
}

// subject is what an audit record says a follow is about; never the address.
func subject(f store.Follow) map[string]any {
	if f.Kind == store.FollowCase {
		return map[string]any{"kind": f.Kind, "case_id": f.CaseID}
	}
	return map[string]any{"kind": f.Kind, "region": f.Region, "class": f.Class}
}

// throttle counts a request from the client and for addr, and refuses one over either limit.
// Each count commits on its own, before the request is looked at: a request refused for an
// unknown ticket counts too, so tickets cannot be walked through this door.
func (a *Service) throttle(ctx context.Context, addr string) error {
	var limits []kernel.Limit
	if client := audit.ClientAddr(ctx); client != "" {
		limits = append(limits, kernel.Limit{Key: "follow-from:" + kernel.AddressKey(client), Max: a.PerClient})
	}
	return a.CountLimits(ctx, a.Window, "follow requests", append(limits, kernel.Limit{Key: "follow:" + kernel.HashKey(addr), Max: a.PerAddress})...)
}

// tokenBytes is the randomness of a follow's token: 256 bits, base64url without padding.
const tokenBytes = 32

func newToken() string {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var tokenShape = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// View is a follow as its token's holder sees it: what it follows and where it stands, and the
// address half hidden.
type View struct {
	Kind      string   `json:"kind"`
	Ticket    string   `json:"ticket,omitempty"`
	Area      grid.Ref `json:"area,omitzero"`
	ClassName string   `json:"class_name,omitempty"`
	Email     string   `json:"email"` // masked
	State     string   `json:"state"` // pending, active, ended
	Token     string   `json:"-"`
}

// Follow returns the follow whose token this is.
func (a *Service) Follow(ctx context.Context, token string) (View, error) {
	f, err := a.byToken(ctx, token)
	if err != nil {
		return View{}, err
	}
	return a.view(ctx, f)
}

func (a *Service) byToken(ctx context.Context, token string) (store.Follow, error) {
	missing := errs.Refuse(errs.NotFound, "follow_not_found", nil, "no follow with that link; it may have been mistyped")
	if !tokenShape.MatchString(token) {
		return store.Follow{}, missing
	}
	f, err := a.DB.FollowByToken(ctx, token)
	if errs.Is(err, errs.NotFound) {
		return store.Follow{}, missing
	}
	return f, err
}

// Confirm starts the follow whose token this is; confirming twice is no error.
func (a *Service) Confirm(ctx context.Context, token string) (View, error) {
	return a.change(ctx, token, "follow.confirm", func(ctx context.Context, f *store.Follow, now time.Time) (bool, error) {
		if f.UnsubscribedAt != nil {
			return false, errs.RefuseCoded(errs.Conflict, "follow_ended", nil, "this follow was ended; ask again to follow")
		}
		f.ConfirmedAt = &now
		return a.DB.ConfirmFollow(ctx, f.ID, now)
	})
}

// Unsubscribe ends the follow whose token this is; ending it twice is no error.
func (a *Service) Unsubscribe(ctx context.Context, token string) (View, error) {
	return a.change(ctx, token, "follow.end", func(ctx context.Context, f *store.Follow, now time.Time) (bool, error) {
		f.UnsubscribedAt = &now
		return a.DB.EndFollow(ctx, f.ID, now)
	})
}

// change applies step to the follow whose token this is, in the transaction step is given, and
// records it if it changed anything; it returns the follow as it then stands.
func (a *Service) change(ctx context.Context, token, action string, step func(ctx context.Context, f *store.Follow, now time.Time) (bool, error)) (View, error) {
	var f store.Follow
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		var err error
		if f, err = a.byToken(ctx, token); err != nil {
			return err
		}
		was := f
		won, err := step(ctx, &f, a.Now())
		if err != nil || !won {
			f = was
			return err
		}
		return a.Record(ctx, nil, action, fmt.Sprintf("follow:%d", f.ID), nil, subject(f))
	})
	if err != nil {
		return View{}, err
	}
	return a.view(ctx, f)
}

func (a *Service) view(ctx context.Context, f store.Follow) (View, error) {
	v := View{Kind: f.Kind, Ticket: f.Ticket, Email: Mask(f.Email), State: State(f), Token: f.Token}
	if f.Kind == store.FollowArea {
		area, className, err := a.Area(ctx, f.Region, f.Class)
		if err != nil && !errs.Is(err, errs.NotFound) && !errs.Is(err, errs.Invalid) {
			return View{}, err
		}
		v.Area, v.ClassName = area, className
	}
	return v, nil
}

// State names where a follow stands: pending, active or ended.
func State(f store.Follow) string {
	switch {
	case f.UnsubscribedAt != nil:
		return "ended"
	case f.ConfirmedAt != nil:
		return "active"
	}
	return "pending"
}

// Mask hides most of an address's local part: "zhang.wei@example.com" → "zh***@example.com".
func Mask(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "***"
	}
	keep := min(2, at)
	return addr[:keep] + "***" + addr[at:]
}

// Area returns a subdistrict or community that may be followed and the name of a category
// class ("" for every class).
func (a *Service) Area(ctx context.Context, code, class string) (grid.Ref, string, error) {
	noArea := errs.RefuseCoded(errs.NotFound, "no_area", nil, "no subdistrict or community with that code")
	if code == "" || len(code) > 12 || strings.IndexFunc(code, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return grid.Ref{}, "", noArea
	}
	reg, err := a.DB.Region(ctx, code)
	if errs.Is(err, errs.NotFound) {
		return grid.Ref{}, "", noArea
	} else if err != nil {
		return grid.Ref{}, "", err
	}
	if reg.Level != grid.Subdistrict && reg.Level != grid.Community {
		return grid.Ref{}, "", noArea
	}
	ref := grid.Ref{Code: reg.Code, Name: reg.Name, Level: reg.Level}
	if class == "" {
		return ref, "", nil
	}
	classes, err := a.Classes(ctx)
	if err != nil {
		return grid.Ref{}, "", err
	}
	for _, c := range classes {
		if c.Key == class {
			return ref, c.Name, nil
		}
	}
	return grid.Ref{}, "", errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "class", "value": class}, "no category class %q", class)
}

// Class is a major class of public categories an area follow may keep to.
type Class struct {
	Key  string `json:"key"` // "<category kind>-<major class>", e.g. "matter-09"
	Name string `json:"name"`
}

// Classes returns the major classes that hold a public category, in dictionary order.
func (a *Service) Classes(ctx context.Context) ([]Class, error) {
	cats, err := a.DB.Categories(ctx, true)
	if err != nil {
		return nil, err
	}
	var out []Class
	seen := map[string]bool{}
	for _, c := range cats {
		key := ClassOf(c.Kind, c.Code)
		if !seen[key] {
			seen[key] = true
			out = append(out, Class{Key: key, Name: c.MajorName})
		}
	}
	return out, nil
}

// ClassOf is the class key of a category: its kind and major class.
func ClassOf(kind workflow.CategoryKind, code string) string {
	if len(code) < 2 {
		return string(kind)
	}
	return string(kind) + "-" + code[:2]
}
