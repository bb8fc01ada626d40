package georeport

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/cases"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Open311Client is an integration that talks Open311 (see store.Open311Client).
type Open311Client = store.Open311Client

// open311Username is the integration user of a client: its reports name it as reporter, so the
// key's name shows on every case it files.
func open311Username(name string) string { return "open311." + name }

func checkOpen311Admin(actor *access.Principal) error {
	return kernel.MayEditCityWide(actor, "Open311 keys")
}

// CreateOpen311Key issues an api_key for the Open311 client named name, creating the client
// and its integration user (a resident: it reports, follows and comments on its own reports,
// nothing more) on first use. The secret is returned once; only its hash is kept.
func (a *Service) CreateOpen311Key(ctx context.Context, actor *access.Principal, name string) (string, Open311Client, error) {
	if err := checkOpen311Admin(actor); err != nil {
		return "", Open311Client{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 50 || access.ValidUsername(open311Username(name)) != nil {
		return "", Open311Client{}, errs.E(errs.Invalid, "an Open311 client name has 1 to 50 letters, digits, '.', '_', '-' or '@', not %q", name)
	}
	secret, hash := access.NewSecret(access.TokenPrefix)
	unusable, _ := access.NewSecret("")
	pwHash, err := access.HashPassword(unusable, a.Opts.BcryptCost) // nobody signs in as an integration user
	if err != nil {
		return "", Open311Client{}, err
	}
	var c Open311Client
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		c, err = a.DB.Open311ClientByName(ctx, name)
		if errs.Is(err, errs.NotFound) {
			u, err := a.DB.CreateUser(ctx, access.User{Username: open311Username(name), DisplayName: "Open311: " + name,
				Role: access.Resident}, pwHash, a.Now())
			if err != nil {
				return err
			}
			if err := a.DB.PutOpen311Client(ctx, u.ID, name, a.Now()); err != nil {
				return err
			}
			if c, err = a.DB.Open311ClientByName(ctx, name); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if c.Disabled {
			return errs.E(errs.Conflict, "the integration user %s is disabled; enable it first", c.Username)
		}
		tok, err := a.DB.CreateToken(ctx, c.UserID, "open311", hash, a.Now())
		if err != nil {
			return err
		}
		c.Keys++
		return a.Record(ctx, actor, "open311.key.create", "user:"+c.Username, nil, map[string]any{"client": name, "token_id": tok.ID})
	})
	if err != nil {
		return "", Open311Client{}, err
	}
	return secret, c, nil
}

// RevokeOpen311Keys revokes every key of the named client and returns how many there were.
func (a *Service) RevokeOpen311Keys(ctx context.Context, actor *access.Principal, name string) (int, error) {
	if err := checkOpen311Admin(actor); err != nil {
		return 0, err
	}
	var n int
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		c, err := a.DB.Open311ClientByName(ctx, name)
		if err != nil {
			return err
		}
		if n, err = a.DB.RevokeUserTokens(ctx, c.UserID, a.Now()); err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.Conflict, "client %s has no live keys", name)
		}
		return a.Record(ctx, actor, "open311.key.revoke", "user:"+c.Username, nil, map[string]any{"client": name, "revoked": n})
	})
	return n, err
}

// Open311Clients lists the Open311 clients with their number of live keys.
func (a *Service) Open311Clients(ctx context.Context, actor *access.Principal) ([]Open311Client, error) {
	if err := checkOpen311Admin(actor); err != nil {
		return nil, err
	}
	return a.DB.Open311Clients(ctx)
}

// AuthenticateOpen311 returns the principal and client of an Open311 api_key. Keys of other
// users (ordinary API tokens) are refused: an api_key speaks for an integration only.
func (a *Service) AuthenticateOpen311(ctx context.Context, key string) (*access.Principal, Open311Client, error) {
	bad := errs.E(errs.Unauthorized, "invalid api_key")
	if access.CheckSecretShape(access.TokenPrefix, key) != nil {
		return nil, Open311Client{}, bad
	}
	u, err := a.DB.TokenUser(ctx, access.HashSecret(key))
	if errs.Is(err, errs.NotFound) {
		return nil, Open311Client{}, bad
	} else if err != nil {
		return nil, Open311Client{}, err
	}
	if u.Disabled {
		return nil, Open311Client{}, errs.E(errs.Unauthorized, "the api_key's client is disabled")
	}
	c, err := a.DB.Open311ClientOf(ctx, u.ID)
	if errs.Is(err, errs.NotFound) {
		return nil, Open311Client{}, bad
	} else if err != nil {
		return nil, Open311Client{}, err
	}
	return &access.Principal{User: u, Via: access.ViaOpen311}, c, nil
}

// Jurisdiction returns the city an Open311 jurisdiction_id names: the deployment's only city
// when id is empty, the root region with that code otherwise.
func (a *Service) Jurisdiction(ctx context.Context, id string) (grid.Region, error) {
	roots, err := a.DB.RootRegions(ctx)
	if err != nil {
		return grid.Region{}, err
	}
	if id == "" {
		switch len(roots) {
		case 0:
			return grid.Region{}, errs.E(errs.Unavailable, "this deployment has no city yet")
		case 1:
			return roots[0], nil
		}
		codes := make([]string, len(roots))
		for i, r := range roots {
			codes[i] = r.Code
		}
		return grid.Region{}, errs.E(errs.Invalid, "jurisdiction_id is required: this deployment serves %s", strings.Join(codes, ", "))
	}
	for _, r := range roots {
		if r.Code == id {
			return r, nil
		}
	}
	return grid.Region{}, errs.E(errs.NotFound, "no jurisdiction %q here", id)
}

// Open311Service is a public category with the attributes it asks for.
type Open311Service struct {
	workflow.Category
	Attributes []workflow.Attribute
}

// Open311Services lists the public categories as Open311 services.
func (a *Service) Open311Services(ctx context.Context) ([]Open311Service, error) {
	cats, err := a.DB.Categories(ctx, true)
	if err != nil {
		return nil, err
	}
	attrs, err := a.DB.CategoryAttributes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Open311Service, len(cats))
	for i, c := range cats {
		out[i] = Open311Service{Category: c, Attributes: attrs[string(c.Kind)+":"+c.Code]}
	}
	return out, nil
}

// Open311Service returns one public category with its attributes.
func (a *Service) Open311Service(ctx context.Context, kind workflow.CategoryKind, code string) (Open311Service, error) {
	c, err := a.DB.Category(ctx, kind, code)
	if err != nil || !c.Public {
		return Open311Service{}, errs.E(errs.NotFound, "no service %s-%s", kind, code)
	}
	attrs, err := a.DB.CategoryAttributesOf(ctx, kind, code)
	if err != nil {
		return Open311Service{}, err
	}
	return Open311Service{Category: c, Attributes: attrs}, nil
}

// Open311Submission is a service request as an Open311 client posts it, parsed.
type Open311Submission struct {
	City          string // the jurisdiction's city code
	Kind          workflow.CategoryKind
	Code          string
	Lat, Lon      *float64 // WGS-84
	AddressString string
	AddressID     string // a unit grid or community code
	Description   string
	Answers       map[string][]string
	Photos        []string // uploaded attachment ids
	PhotoData     [][]byte // photos sent with the request
	MediaURL      string   // a photo elsewhere, kept as a link
	Name, Phone   string
	Email         string
}

// Open311Receipt is what a submission returns.
type Open311Receipt struct {
	CaseID int64
	Ticket string
	Token  string
}

// SubmitOpen311 files an Open311 service request as a case reported by the client's
// integration user, with source open311. The attribute answers are checked against the
// category's attributes and kept with the case (and written on its timeline for staff); the
// place comes from lat/long, or from address_id or address_string naming a unit grid or
// community of the city. All in one transaction: the case and its Open311 record, or nothing.
func (a *Service) SubmitOpen311(ctx context.Context, p *access.Principal, client Open311Client, in Open311Submission) (Open311Receipt, error) {
	svc, err := a.Open311Service(ctx, in.Kind, in.Code)
	if err != nil {
		return Open311Receipt{}, err
	}
	answers, problems := workflow.CheckAnswers(svc.Attributes, in.Answers)
	if len(problems) > 0 {
		return Open311Receipt{}, errs.E(errs.Invalid, "%s", strings.Join(problems, "; "))
	}
	lon, lat, err := a.open311Place(ctx, in)
	if err != nil {
		return Open311Receipt{}, err
	}
	nc := cases.NewCase{CategoryKind: in.Kind, Category: in.Code, Description: strings.TrimSpace(in.Description),
		Lon: &lon, Lat: &lat, CRS: "wgs84", Address: in.AddressString, Source: "open311", Photos: in.Photos, PhotoData: in.PhotoData}
	nc.Contact.Name = strings.TrimSpace(in.Name)
	if e := strings.TrimSpace(in.Email); e != "" {
		nc.Contact.Name = strings.TrimSpace(nc.Contact.Name + " <" + e + ">")
	}
	nc.Contact.Phone = strings.TrimSpace(in.Phone)
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	receipt := Open311Receipt{Token: hex.EncodeToString(b)}
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		intake, err := a.cases.Report(ctx, p, nc)
		if errs.Is(err, errs.NotFound) {
			_, msg := errs.Public(err) // a place outside the city: a bad parameter here, not a missing resource
			return errs.E(errs.Invalid, "%s", msg)
		} else if err != nil {
			return err
		}
		if in.City != "" && (len(intake.RegionPath) == 0 || intake.RegionPath[0].Code != in.City) {
			return errs.E(errs.Invalid, "the place lies outside jurisdiction %s", in.City)
		}
		receipt.CaseID, receipt.Ticket = intake.ID, intake.Ticket
		if err := a.DB.InsertOpen311Request(ctx, store.Open311Request{CaseID: intake.ID, ClientID: client.UserID,
			Token: receipt.Token, Answers: answers, MediaURL: in.MediaURL, CreatedAt: a.Now()}); err != nil {
			return err
		}
		if note := answerNote(svc.Attributes, answers, in.MediaURL); note != "" {
			if err := a.DB.AppendCaseEvent(ctx, intake.ID, store.CaseEvent{At: a.Now(), Actor: p.Name(), Action: "attributes",
				From: string(intake.Status), To: string(intake.Status), Note: note}); err != nil {
				return err
			}
		}
		return a.Record(ctx, p, "case.open311", fmt.Sprintf("case:%d", intake.ID), nil,
			map[string]any{"ticket": intake.Ticket, "client": client.Name, "token": receipt.Token, "attributes": answers})
	})
	if err != nil {
		return Open311Receipt{}, err
	}
	return receipt, nil
}

// answerNote writes the answers as staff read them on the timeline: "question: answer".
func answerNote(attrs []workflow.Attribute, answers map[string][]string, mediaURL string) string {
	var lines []string
	for _, at := range attrs {
		vals := answers[at.Code]
		if len(vals) == 0 {
			continue
		}
		shown := slices.Clone(vals)
		for i, v := range shown {
			for _, av := range at.Values {
				if av.Key == v {
					shown[i] = av.Name
				}
			}
		}
		lines = append(lines, at.Description+": "+strings.Join(shown, ", "))
	}
	if mediaURL != "" {
		lines = append(lines, "media_url: "+mediaURL)
	}
	return cases.TimelineCopy(strings.Join(lines, "\n"))
}

// open311Place is where a submission is: lat/long as given, else a point inside the unit grid
// or community that address_id names or address_string mentions. Addresses are not geocoded
// beyond the city's own grid and community names.
func (a *Service) open311Place(ctx context.Context, in Open311Submission) (lon, lat float64, err error) {
	if in.Lat != nil && in.Lon != nil {
		return *in.Lon, *in.Lat, nil
	}
	var region grid.Region
	switch {
	case in.AddressID != "":
		region, err = a.DB.Region(ctx, in.AddressID)
		if errs.Is(err, errs.NotFound) || (err == nil && region.Level != grid.Grid && region.Level != grid.Community) {
			return 0, 0, errs.E(errs.Invalid, "address_id %q is not the code of a unit grid or community here", in.AddressID)
		} else if err != nil {
			return 0, 0, err
		}
	case in.AddressString != "":
		found, err := a.DB.RegionsNamedIn(ctx, in.AddressString)
		if err != nil {
			return 0, 0, err
		}
		if len(found) == 0 {
			return 0, 0, errs.E(errs.Invalid, "address_string names no unit grid or community of this city; send lat and long")
		}
		if len(found) > 1 && found[1].Level == found[0].Level && len(found[1].Name) == len(found[0].Name) {
			return 0, 0, errs.E(errs.Invalid, "address_string could mean %s (%s) or %s (%s); send lat and long or address_id",
				found[0].Name, found[0].Code, found[1].Name, found[1].Code)
		}
		region = found[0]
	default:
		return 0, 0, errs.E(errs.Invalid, "a location is required: lat and long, address_string or address_id")
	}
	pt, ok := grid.PointInside(region.Geometry)
	if !ok {
		return 0, 0, errs.E(errs.Invalid, "%s %s has no drawn area to place the request in; send lat and long", region.Name, region.Code)
	}
	return pt[0], pt[1], nil
}

// Open311View is a case as Open311 shows it to anyone: no reporter, no contact, and for a
// sensitive category no exact place.
type Open311View struct {
	Ticket       string
	Status       workflow.Status
	Category     workflow.Category
	Description  string
	Address      string
	Grid         string // the unit grid's code: Open311's address_id
	Lon, Lat     *float64
	Department   string // the lead department's name
	HandleDue    time.Time
	RejectReason string
	Photos       []string
	MediaURL     string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Open311Filter selects the requests of GET requests.
type Open311Filter struct {
	City     string
	Tickets  []string // when given, the others are ignored
	Services []string // "kind:code"
	Statuses []workflow.Status
	From, To time.Time
	Limit    int
	Offset   int
}

// Open311Requests lists cases of public categories in the city, newest first.
func (a *Service) Open311Requests(ctx context.Context, f Open311Filter) ([]Open311View, error) {
	var recs []store.CaseRecord
	if len(f.Tickets) > 0 {
		for _, t := range f.Tickets {
			rec, err := a.DB.CaseByTicket(ctx, t)
			if errs.Is(err, errs.NotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
			recs = append(recs, rec)
		}
	} else {
		sf := store.PublicCaseFilter{Region: f.City, Services: f.Services, From: f.From, To: f.To, Limit: f.Limit, Offset: f.Offset}
		for _, s := range f.Statuses {
			sf.Statuses = append(sf.Statuses, string(s))
		}
		var err error
		if recs, err = a.DB.PublicCases(ctx, sf); err != nil {
			return nil, err
		}
	}
	cache := viewCache{cats: map[string]*workflow.Category{}, depts: map[string]string{}}
	out := []Open311View{}
	for _, rec := range recs {
		v, ok, err := a.open311View(ctx, rec, f.City, &cache)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// Open311Request returns one case by ticket, if the public may see it.
func (a *Service) Open311Request(ctx context.Context, city, ticket string) (Open311View, error) {
	notFound := errs.E(errs.NotFound, "no request %s", ticket)
	rec, err := a.DB.CaseByTicket(ctx, ticket)
	if errs.Is(err, errs.NotFound) {
		return Open311View{}, notFound
	} else if err != nil {
		return Open311View{}, err
	}
	v, ok, err := a.open311View(ctx, rec, city, &viewCache{cats: map[string]*workflow.Category{}, depts: map[string]string{}})
	if err != nil {
		return Open311View{}, err
	}
	if !ok {
		return Open311View{}, notFound
	}
	return v, nil
}

// Open311Token returns the ticket of the request a token was given for.
func (a *Service) Open311Token(ctx context.Context, token string) (string, error) {
	r, err := a.DB.Open311RequestByToken(ctx, token)
	if err != nil {
		return "", err
	}
	rec, err := a.DB.Case(ctx, r.CaseID)
	if err != nil {
		return "", err
	}
	return rec.Ticket, nil
}

type viewCache struct {
	cats  map[string]*workflow.Category // nil entry: not public
	depts map[string]string
}

func (a *Service) open311View(ctx context.Context, rec store.CaseRecord, city string, cache *viewCache) (Open311View, bool, error) {
	s := rec.State
	if city != "" && (len(s.RegionPath) == 0 || s.RegionPath[0] != city) {
		return Open311View{}, false, nil
	}
	key := string(s.Kind) + ":" + s.Category
	cat, seen := cache.cats[key]
	if !seen {
		c, err := a.DB.Category(ctx, s.Kind, s.Category)
		if err != nil {
			return Open311View{}, false, err
		}
		if c.Public {
			cat = &c
		}
		cache.cats[key] = cat
	}
	if cat == nil {
		return Open311View{}, false, nil
	}
	v := Open311View{Ticket: rec.Ticket, Status: s.Status, Category: *cat, Description: rec.Description, Address: rec.Address,
		Grid: s.Grid(), HandleDue: s.HandleDue, RejectReason: s.RejectReason, Photos: rec.Photos, CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt}
	if !cat.Sensitive {
		lon, lat := rec.Lon, rec.Lat
		v.Lon, v.Lat = &lon, &lat
	} else {
		v.Address = "" // the grid shows where, not the exact place (DESIGN §4)
	}
	if d := s.Department; d != "" {
		name, ok := cache.depts[d]
		if !ok {
			dep, err := a.DB.Department(ctx, d)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return Open311View{}, false, err
			}
			name = kernel.FirstNonBlank(dep.Name, d)
			cache.depts[d] = name
		}
		v.Department = name
	}
	if r, err := a.DB.Open311RequestOf(ctx, rec.ID); err == nil {
		v.MediaURL = r.MediaURL
	} else if !errs.Is(err, errs.NotFound) {
		return Open311View{}, false, err
	}
	return v, true, nil
}

// Open311Update is one change of a public case, for the servicerequestupdates extension.
type Open311Update struct {
	ID          int64
	Ticket      string
	Status      workflow.Status
	Action      string
	Description string
	Photos      []string
	At          time.Time
}

// updateActions are the timeline events the public hears of: the steps of the loop, never
// staff's comments, checks or extension talk.
var updateActions = []workflow.Action{workflow.Report, workflow.SelfHandle, workflow.Register, workflow.Reject,
	workflow.Dispatch, workflow.Escalate, workflow.Accept, workflow.Return, workflow.Handle, workflow.Suspend,
	workflow.Resume, workflow.Verify, workflow.Reopen, workflow.Close}

// Open311Updates lists the public changes to public cases of the city at from ≤ at < to,
// oldest first, at most limit.
func (a *Service) Open311Updates(ctx context.Context, city string, from, to time.Time, limit int) ([]Open311Update, error) {
	events, err := a.DB.CaseEventsBetween(ctx, from, to, limit*4+50)
	if err != nil {
		return nil, err
	}
	cache := viewCache{cats: map[string]*workflow.Category{}, depts: map[string]string{}}
	visible := map[int64]*Open311View{}
	out := []Open311Update{}
	for _, e := range events {
		if !slices.Contains(updateActions, workflow.Action(e.Action)) {
			continue
		}
		v, seen := visible[e.CaseID]
		if !seen {
			rec, err := a.DB.Case(ctx, e.CaseID)
			if err != nil {
				return nil, err
			}
			view, ok, err := a.open311View(ctx, rec, city, &cache)
			if err != nil {
				return nil, err
			}
			if ok {
				v = &view
			}
			visible[e.CaseID] = v
		}
		if v == nil {
			continue
		}
		u := Open311Update{ID: e.ID, Ticket: e.Ticket, Status: workflow.Status(e.To), Action: e.Action, At: e.At}
		// Only what is meant for the reporter is published: a handling's result, a rejection's
		// reason, where it was sent. A note staff add to any step (and a leader's reasons for
		// closing specially or reopening) stays inside.
		var in workflow.Input
		_ = json.Unmarshal([]byte(e.Input), &in) // old events may carry no input
		switch workflow.Action(e.Action) {
		case workflow.Handle, workflow.SelfHandle:
			u.Description = in.Result
		case workflow.Reject:
			u.Description = in.Reason
		case workflow.Dispatch:
			u.Description = v.Department
		}
		out = append(out, u)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// Open311UpdateIn is an update a remote system posts about one of its requests.
type Open311UpdateIn struct {
	Ticket      string
	RemoteID    string // the client's update id: a retry with the same id changes nothing
	Status      string // open or closed as the remote system sees it
	Description string
	MediaURL    string
	Name        string
	At          time.Time
}

// PostOpen311Update writes a remote system's update on the case's timeline as a comment by the
// client (who may comment only on cases it reported) and returns the event's id. The status a
// remote system sends is noted, never applied: closing is the centre's verdict.
func (a *Service) PostOpen311Update(ctx context.Context, p *access.Principal, client Open311Client, in Open311UpdateIn) (int64, error) {
	var eventID int64
	err := a.DB.InTx(ctx, func(ctx context.Context) error {
		if in.RemoteID != "" {
			if _, id, err := a.DB.Open311Update(ctx, client.UserID, in.RemoteID); err == nil {
				eventID = id
				return nil
			} else if !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		rec, err := a.DB.CaseByTicket(ctx, in.Ticket)
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.NotFound, "no request %s", in.Ticket)
		} else if err != nil {
			return err
		}
		if rec.State.Reporter != p.User.Username {
			return errs.E(errs.Forbidden, "request %s was not submitted with this api_key's client", in.Ticket)
		}
		var parts []string
		if d := strings.TrimSpace(in.Description); d != "" {
			parts = append(parts, d)
		}
		if strings.EqualFold(in.Status, "closed") && !rec.State.Status.Terminal() {
			parts = append(parts, "(the reporter says the problem is solved)")
		} else if strings.EqualFold(in.Status, "open") && rec.State.Status.Terminal() {
			parts = append(parts, "(the reporter says the problem is still there)")
		}
		if in.MediaURL != "" {
			parts = append(parts, "media_url: "+in.MediaURL)
		}
		if n := strings.TrimSpace(in.Name); n != "" && len(parts) > 0 {
			parts[0] = n + ": " + parts[0]
		}
		if len(parts) == 0 {
			return errs.E(errs.Invalid, "description is required: an update with nothing to say")
		}
		if _, err := a.cases.Act(ctx, p, rec.ID, string(workflow.Comment), nil, workflow.Input{Note: cases.TimelineCopy(strings.Join(parts, " "))}); err != nil {
			return err
		}
		if eventID, err = a.DB.LastCaseEventID(ctx, rec.ID); err != nil {
			return err
		}
		if in.RemoteID != "" {
			return a.DB.PutOpen311Update(ctx, client.UserID, in.RemoteID, rec.ID, eventID)
		}
		return nil
	})
	return eventID, err
}
