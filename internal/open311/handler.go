// Package open311 serves Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at
// /open311/v2 in XML and JSON, with the servicerequestupdates extension, over the same use
// cases as the REST API: public categories are services, a request is a case reported by the
// client's integration user with source open311, tickets are service_request_ids. It reads
// liberally (repeated or bracketed attribute keys, CRLF, empty parameters as absent, multipart
// photos) and writes strictly what the spec and its official JSON schemas say.
package open311

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/georeport"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/httpx"
	"github.com/citygrid/citygrid/internal/textcheck"
	"github.com/citygrid/citygrid/internal/workflow"
)

// Prefix is where the API is mounted.
const Prefix = "/open311/v2/"

// Spec limits on GET requests (GeoReport v2, GET Service Requests): a window of at most 90 days,
// the last 90 by default, and at most 1000 requests an answer.
const (
	window      = 90 * 24 * time.Hour
	maxPageSize = 1000
	updatesSpan = 24 * time.Hour // servicerequestupdates' default window
)

// Config wires a Handler.
type Config struct {
	App    *app.App
	Logger *slog.Logger
	// BaseURL is the public address of the server (e.g. https://grid.example.cn), for the
	// URLs in discovery and media_url; default: the request's scheme and Host.
	BaseURL string
	// Rate and Burst bound each api_key's requests: Rate a minute, Burst at once; default 60, 20.
	Rate, Burst int
	// Clock defaults to time.Now.
	Clock func() time.Time
	// Contact is discovery's contact line.
	Contact string
}

// Handler serves the Open311 API.
type Handler struct {
	cfg     Config
	app     *app.App
	log     *slog.Logger
	limiter *limiter
}

// New returns a Handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Rate == 0 {
		cfg.Rate = 60
	}
	if cfg.Burst == 0 {
		cfg.Burst = 20
	}
	if cfg.Contact == "" {
		cfg.Contact = "the city's supervision centre (城市管理监督指挥中心)"
	}
	return &Handler{cfg: cfg, app: cfg.App, log: cfg.Logger, limiter: newLimiter(cfg.Rate, cfg.Burst, cfg.Clock)}
}

// call is one request being served: its format and parameters.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	format string
	form   form
}

// problem is one thing wrong with a request, with the HTTP status it calls for.
type problem struct {
	status int
	text   string
}

func (c *call) fail(h *Handler, problems ...problem) {
	status := http.StatusBadRequest
	// One status for the answer: a key problem outranks a missing thing, which outranks the rest.
	for _, want := range []int{http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests,
		http.StatusRequestEntityTooLarge, http.StatusMethodNotAllowed, http.StatusInternalServerError, http.StatusServiceUnavailable} {
		if slices.ContainsFunc(problems, func(p problem) bool { return p.status == want }) {
			status = want
			break
		}
	}
	doc := errorsDoc{}
	for _, p := range problems {
		if status == http.StatusBadRequest || p.status == status {
			doc.Errors = append(doc.Errors, errorDoc{Code: status, Description: p.text})
		}
	}
	write(c.w, c.format, status, doc, doc.Errors)
}

// failErr answers with a use case's error, classified.
func (c *call) failErr(h *Handler, err error) {
	c.fail(h, problemOf(h, c.r, err))
}

func problemOf(h *Handler, r *http.Request, err error) problem {
	_, msg := errs.Public(err)
	status := statusOf(errs.KindOf(err))
	if status >= 500 {
		h.log.ErrorContext(r.Context(), "open311: internal error", "err", err, "method", r.Method, "path", r.URL.Path,
			"request_id", audit.RequestID(r.Context()))
	}
	return problem{status, msg}
}

// statusOf narrows the one kind-to-status mapping (httpx) to the statuses GeoReport v2 clients
// know: a refused or missing api_key is 403, any other fault in the request is 400.
func statusOf(k errs.Kind) int {
	switch s := httpx.StatusOf(k); s {
	case http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests, http.StatusRequestEntityTooLarge:
		return s
	case http.StatusUnauthorized:
		return http.StatusForbidden
	default:
		if s >= 500 {
			return s
		}
		return http.StatusBadRequest
	}
}

// resource splits "requests/20261125-000001.json" into its parts and format ("xml" by
// default, as the spec is XML-first).
func resource(p string) (parts []string, format string, ok bool) {
	p = strings.Trim(p, "/")
	format = "xml"
	if ext := path.Ext(p); ext != "" {
		switch strings.ToLower(ext) {
		case ".xml":
		case ".json":
			format = "json"
		default:
			return nil, "xml", false
		}
		p = strings.TrimSuffix(p, ext)
	}
	if p == "" {
		return nil, format, false
	}
	return strings.Split(p, "/"), format, true
}

// ServeHTTP routes an Open311 request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts, format, ok := resource(strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(Prefix, "/")))
	c := &call{w: w, r: r, format: format}
	if err := textcheck.Check("path", r.URL.Path); err != nil {
		c.failErr(h, err)
		return
	}
	if !ok {
		c.fail(h, problem{http.StatusNotFound, "no such resource: " + r.URL.Path})
		return
	}
	type endpoint struct {
		method string
		serve  func(*call, []string)
	}
	var eps []endpoint
	switch {
	case len(parts) == 1 && parts[0] == "discovery":
		eps = []endpoint{{"GET", h.discovery}}
	case len(parts) == 1 && parts[0] == "services":
		eps = []endpoint{{"GET", h.services}}
	case len(parts) == 2 && parts[0] == "services":
		eps = []endpoint{{"GET", h.definition}}
	case len(parts) == 1 && parts[0] == "requests":
		eps = []endpoint{{"GET", h.requests}, {"POST", h.submit}}
	case len(parts) == 2 && parts[0] == "requests":
		eps = []endpoint{{"GET", h.request}}
	case len(parts) == 2 && parts[0] == "tokens":
		eps = []endpoint{{"GET", h.token}}
	case len(parts) == 1 && parts[0] == "servicerequestupdates":
		eps = []endpoint{{"GET", h.updates}, {"POST", h.postUpdate}}
	default:
		c.fail(h, problem{http.StatusNotFound, "no such resource: " + r.URL.Path})
		return
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	for _, ep := range eps {
		if ep.method == method {
			f, err := parseRequest(w, r)
			if err != nil {
				c.fail(h, problem{http.StatusBadRequest, err.Error()})
				return
			}
			c.form = f
			ep.serve(c, parts)
			return
		}
	}
	allow := make([]string, len(eps))
	for i, ep := range eps {
		allow[i] = ep.method
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	c.fail(h, problem{http.StatusMethodNotAllowed, r.Method + " is not allowed here; use " + strings.Join(allow, " or ")})
}

// base is the server's public address.
func (h *Handler) base(r *http.Request) string {
	if h.cfg.BaseURL != "" {
		return strings.TrimSuffix(h.cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// ownHost reports whether host is this server's: the one the request came to, or the public
// one a proxy in front answers as.
func (h *Handler) ownHost(r *http.Request, host string) bool {
	if strings.EqualFold(host, r.Host) {
		return true
	}
	b, err := url.Parse(h.cfg.BaseURL)
	return h.cfg.BaseURL != "" && err == nil && strings.EqualFold(host, b.Host)
}

// jurisdiction resolves jurisdiction_id to the city's code.
func (h *Handler) jurisdiction(c *call) (string, *problem) {
	city, err := h.app.Open311.Jurisdiction(c.r.Context(), c.form.get("jurisdiction_id"))
	if err != nil {
		p := problemOf(h, c.r, err)
		return "", &p
	}
	return city.Code, nil
}

// authenticate checks api_key and spends one unit of its rate.
func (h *Handler) authenticate(c *call) (*access.Principal, georeport.Open311Client, *problem) {
	key := c.form.get("api_key")
	if key == "" {
		return nil, georeport.Open311Client{}, &problem{http.StatusForbidden, "api_key is required"}
	}
	if wait := h.limiter.take(key); wait > 0 {
		c.w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		return nil, georeport.Open311Client{}, &problem{http.StatusTooManyRequests, fmt.Sprintf("too many requests with this api_key; try again in %d s", int(math.Ceil(wait.Seconds())))}
	}
	p, client, err := h.app.Open311.AuthenticateOpen311(c.r.Context(), key)
	if err != nil {
		pr := problemOf(h, c.r, err)
		return nil, georeport.Open311Client{}, &pr
	}
	return p, client, nil
}

func (h *Handler) discovery(c *call, _ []string) {
	base := h.base(c.r)
	doc := discoveryDoc{Changeset: changeset, Contact: h.cfg.Contact, KeyService: "ask the city platform's administrator for an api_key",
		Endpoints: []endpointDoc{{Specification: "http://wiki.open311.org/GeoReport_v2", URL: base + strings.TrimSuffix(Prefix, "/"),
			Changeset: changeset, Type: "production", Formats: []string{"text/xml", "application/json"}}}}
	write(c.w, c.format, http.StatusOK, doc, doc)
}

// changeset is when this server's Open311 interface last changed.
const changeset = "2026-11-25T00:00:00+08:00"

// serviceCode is a category's service code: kind and code, since the national dictionary uses
// the same five digits for a component and a matter (01002 污水井盖 is also a matter code).
func serviceCode(kind workflow.CategoryKind, code string) string { return string(kind) + "-" + code }

// parseServiceCode reads "matter-09009" (also "matter:09009").
func parseServiceCode(s string) (workflow.CategoryKind, string, bool) {
	k, code, ok := strings.Cut(s, "-")
	if !ok {
		k, code, ok = strings.Cut(s, ":")
	}
	kind, err := workflow.ParseCategoryKind(k)
	if !ok || err != nil || len(code) != 5 || !isDigits(code) {
		return "", "", false
	}
	return kind, code, true
}

var kindNames = map[workflow.CategoryKind]string{workflow.Component: "管理部件", workflow.Matter: "管理事项"}

func serviceOf(s georeport.Open311Service) serviceDoc {
	keywords := strings.Join([]string{string(s.Kind), kindNames[s.Kind], s.MajorCode, s.MajorName, s.Code}, ",")
	return serviceDoc{ServiceCode: serviceCode(s.Kind, s.Code), ServiceName: s.Name, Description: opt(s.FilingCondition),
		Metadata: len(s.Attributes) > 0, Type: "realtime", Keywords: &keywords, Group: opt(s.MajorName)}
}

func (h *Handler) services(c *call, _ []string) {
	if _, p := h.jurisdiction(c); p != nil {
		c.fail(h, *p)
		return
	}
	svcs, err := h.app.Open311.Open311Services(c.r.Context())
	if err != nil {
		c.failErr(h, err)
		return
	}
	doc := servicesDoc{Services: make([]serviceDoc, len(svcs))}
	for i, s := range svcs {
		doc.Services[i] = serviceOf(s)
	}
	write(c.w, c.format, http.StatusOK, doc, doc.Services)
}

func (h *Handler) definition(c *call, parts []string) {
	if _, p := h.jurisdiction(c); p != nil {
		c.fail(h, *p)
		return
	}
	kind, code, ok := parseServiceCode(parts[1])
	if !ok {
		c.fail(h, problem{http.StatusNotFound, fmt.Sprintf("no service %q: service codes look like matter-09009", short(parts[1]))})
		return
	}
	svc, err := h.app.Open311.Open311Service(c.r.Context(), kind, code)
	if err != nil {
		c.failErr(h, err)
		return
	}
	doc := definitionDoc{ServiceCode: serviceCode(kind, code), Attributes: []attributeDoc{}}
	for _, a := range svc.Attributes {
		ad := attributeDoc{Variable: a.Variable, Code: a.Code, Datatype: string(a.Datatype), Required: a.Required,
			DatatypeDescription: opt(a.DatatypeDescription), Order: a.Order, Description: opt(a.Description)}
		for _, v := range a.Values {
			ad.Values = append(ad.Values, valueDoc(v))
		}
		if len(ad.Values) > 0 {
			ad.XMLValues = &valuesDoc{Values: ad.Values}
		}
		doc.Attributes = append(doc.Attributes, ad)
	}
	slices.SortStableFunc(doc.Attributes, func(a, b attributeDoc) int { return a.Order - b.Order })
	write(c.w, c.format, http.StatusOK, doc, doc)
}

// coordinate reads lat or long; "" when absent.
func coordinate(f form, name string, limit float64) (*float64, *problem) {
	v := f.get(name)
	if v == "" {
		return nil, nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.Abs(x) > limit {
		return nil, &problem{http.StatusBadRequest, fmt.Sprintf("%s must be a number from -%g to %g, not %q", name, limit, limit, short(v))}
	}
	return &x, nil
}

var attachmentPath = regexp.MustCompile(`^/api/v1/attachments/([0-9a-f]{64})$`)

func (h *Handler) submit(c *call, _ []string) {
	ctx := c.r.Context()
	p, client, pr := h.authenticate(c)
	if pr != nil {
		c.fail(h, *pr)
		return
	}
	var problems []problem
	city, pr := h.jurisdiction(c)
	if pr != nil {
		problems = append(problems, *pr)
	}
	in := georeport.Open311Submission{City: city, Answers: c.form.attrs, Description: c.form.get("description"),
		AddressString: c.form.get("address_string"), AddressID: c.form.get("address_id"), Phone: c.form.get("phone"),
		Email: c.form.get("email"), Name: strings.TrimSpace(c.form.get("first_name") + " " + c.form.get("last_name"))}
	var svc *georeport.Open311Service
	switch code := c.form.get("service_code"); {
	case code == "":
		problems = append(problems, problem{http.StatusBadRequest, "service_code is required"})
	default:
		kind, cat, ok := parseServiceCode(code)
		if !ok {
			problems = append(problems, problem{http.StatusNotFound, fmt.Sprintf("no service %q: service codes look like matter-09009", short(code))})
			break
		}
		s, err := h.app.Open311.Open311Service(ctx, kind, cat)
		if err != nil {
			problems = append(problems, problemOf(h, c.r, err))
			break
		}
		in.Kind, in.Code, svc = kind, cat, &s
	}
	var lp, gp *problem
	in.Lat, lp = coordinate(c.form, "lat", 90)
	in.Lon, gp = coordinate(c.form, "long", 180)
	for _, x := range []*problem{lp, gp} {
		if x != nil {
			problems = append(problems, *x)
		}
	}
	if lp == nil && gp == nil && (in.Lat == nil) != (in.Lon == nil) {
		problems = append(problems, problem{http.StatusBadRequest, "lat and long go together: give both"})
	}
	if in.Lat == nil && in.Lon == nil && lp == nil && gp == nil && in.AddressString == "" && in.AddressID == "" {
		problems = append(problems, problem{http.StatusBadRequest, "a location is required: lat and long, address_string or address_id"})
	}
	if n := len([]rune(in.Description)); n > 4000 {
		problems = append(problems, problem{http.StatusBadRequest, fmt.Sprintf("description has %d characters; at most 4000 are allowed", n)})
	}
	if svc != nil {
		if _, ps := workflow.CheckAnswers(svc.Attributes, in.Answers); len(ps) > 0 {
			for _, t := range ps {
				problems = append(problems, problem{http.StatusBadRequest, t})
			}
		}
	}
	if m := c.form.get("media_url"); m != "" {
		u, err := url.Parse(m)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(m) > 2000:
			problems = append(problems, problem{http.StatusBadRequest, "media_url must be an http or https URL of at most 2000 characters"})
		case h.ownHost(c.r, u.Host) && attachmentPath.MatchString(u.Path):
			in.Photos = append(in.Photos, attachmentPath.FindStringSubmatch(u.Path)[1]) // a photo uploaded here first
		default:
			in.MediaURL = m
		}
	}
	if len(problems) > 0 {
		c.fail(h, problems...)
		return
	}
	// Photos sent with the request are stored with the case, in its transaction: a refused
	// request leaves no attachment behind.
	for _, f := range c.form.files {
		in.PhotoData = append(in.PhotoData, f.data)
	}
	receipt, err := h.app.Open311.SubmitOpen311(ctx, p, client, in)
	if err != nil {
		c.failErr(h, err)
		return
	}
	doc := receiptsDoc{Requests: []receiptDoc{{ServiceRequestID: receipt.Ticket, Token: opt(receipt.Token),
		ServiceNotice: opt("受理后将派遣处置，请凭工单号 " + receipt.Ticket + " 查询 (track it as " + receipt.Ticket + ")"),
		AccountID:     opt(c.form.get("account_id"))}}}
	write(c.w, c.format, http.StatusCreated, doc, doc.Requests)
}

// statusNames are the detailed statuses for status_notes.
var statusNames = map[workflow.Status]string{
	workflow.Reported: "待受理 (reported)", workflow.Registered: "已立案 (registered)",
	workflow.Dispatched: "已派遣 (dispatched)", workflow.InProgress: "处置中 (in progress)",
	workflow.Handled: "待核查 (handled, awaiting verification)", workflow.Suspended: "挂账 (suspended)",
	workflow.Closed: "已结案 (closed)", workflow.Rejected: "不予立案 (rejected)",
}

// openOrClosed collapses citygrid's statuses to Open311's two.
func openOrClosed(s workflow.Status) string {
	if s.Terminal() {
		return "closed"
	}
	return "open"
}

func (h *Handler) requestOf(r *http.Request, v georeport.Open311View) requestDoc {
	notes := statusNames[v.Status]
	if v.RejectReason != "" {
		notes += ": " + v.RejectReason
	}
	d := requestDoc{ServiceRequestID: v.Ticket, Status: openOrClosed(v.Status), StatusNotes: opt(notes),
		ServiceName: opt(v.Category.Name), ServiceCode: serviceCode(v.Category.Kind, v.Category.Code),
		Description: opt(v.Description), AgencyResponsible: opt(v.Department),
		RequestedDatetime: stamp(v.CreatedAt), UpdatedDatetime: opt(stamp(v.UpdatedAt)),
		Address: opt(v.Address), AddressID: opt(v.Grid), Lat: v.Lat, Long: v.Lon, MediaURL: opt(v.MediaURL)}
	if !v.HandleDue.IsZero() {
		d.ExpectedDatetime = opt(stamp(v.HandleDue))
	}
	if len(v.Photos) > 0 {
		d.MediaURL = opt(h.base(r) + "/api/v1/attachments/" + v.Photos[0])
	}
	return d
}

func (h *Handler) writeRequests(c *call, views []georeport.Open311View) {
	doc := requestsDoc{Requests: make([]requestDoc, len(views))}
	for i, v := range views {
		doc.Requests[i] = h.requestOf(c.r, v)
	}
	write(c.w, c.format, http.StatusOK, doc, doc.Requests)
}

func (h *Handler) request(c *call, parts []string) {
	city, pr := h.jurisdiction(c)
	if pr != nil {
		c.fail(h, *pr)
		return
	}
	v, err := h.app.Open311.Open311Request(c.r.Context(), city, parts[1])
	if err != nil {
		c.failErr(h, err)
		return
	}
	h.writeRequests(c, []georeport.Open311View{v})
}

// timeParam reads a W3C date-time parameter.
func timeParam(f form, name string) (time.Time, *problem) {
	v := f.get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := workflow.ParseW3CTime(v)
	if err != nil {
		return time.Time{}, &problem{http.StatusBadRequest, fmt.Sprintf("%s must be a W3C date-time like 2026-11-25T09:30:00+08:00, not %q", name, short(v))}
	}
	return t, nil
}

// dateWindow reads start_date and end_date: the span defaults to def before end (end: now) or
// after start, and may be at most max.
func (h *Handler) dateWindow(f form, def, max time.Duration) (from, to time.Time, problems []problem) {
	from, p1 := timeParam(f, "start_date")
	to, p2 := timeParam(f, "end_date")
	for _, p := range []*problem{p1, p2} {
		if p != nil {
			problems = append(problems, *p)
		}
	}
	if len(problems) > 0 {
		return from, to, problems
	}
	switch {
	case from.IsZero() && to.IsZero():
		to = h.cfg.Clock()
		from = to.Add(-def)
	case from.IsZero():
		from = to.Add(-def)
	case to.IsZero():
		to = from.Add(def)
	}
	if to.Before(from) {
		problems = append(problems, problem{http.StatusBadRequest, "end_date is before start_date"})
	} else if to.Sub(from) > max {
		problems = append(problems, problem{http.StatusBadRequest, fmt.Sprintf("start_date to end_date may span at most %d days", int(max.Hours()/24))})
	}
	return from, to, problems
}

func intParam(f form, name string, lo, hi, def int) (int, *problem) {
	v := f.get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, &problem{http.StatusBadRequest, fmt.Sprintf("%s must be a whole number from %d to %d, not %q", name, lo, hi, short(v))}
	}
	return n, nil
}

func (h *Handler) requests(c *call, _ []string) {
	ctx := c.r.Context()
	var problems []problem
	city, pr := h.jurisdiction(c)
	if pr != nil {
		problems = append(problems, *pr)
	}
	f := georeport.Open311Filter{City: city, Tickets: c.form.list("service_request_id")}
	if len(f.Tickets) > 0 {
		// service_request_id overrides every other filter (the spec).
		if len(f.Tickets) > maxPageSize {
			problems = append(problems, problem{http.StatusBadRequest, fmt.Sprintf("at most %d service_request_ids at once", maxPageSize)})
		}
		if len(problems) > 0 {
			c.fail(h, problems...)
			return
		}
		views, err := h.app.Open311.Open311Requests(ctx, f)
		if err != nil {
			c.failErr(h, err)
			return
		}
		h.writeRequests(c, views)
		return
	}
	for _, code := range c.form.list("service_code") {
		kind, cat, ok := parseServiceCode(code)
		if !ok {
			problems = append(problems, problem{http.StatusNotFound, fmt.Sprintf("no service %q: service codes look like matter-09009", short(code))})
			continue
		}
		if _, err := h.app.Open311.Open311Service(ctx, kind, cat); err != nil {
			problems = append(problems, problemOf(h, c.r, err))
			continue
		}
		f.Services = append(f.Services, string(kind)+":"+cat)
	}
	for _, s := range c.form.list("status") {
		switch strings.ToLower(s) {
		case "open":
			f.Statuses = append(f.Statuses, workflow.Reported, workflow.Registered, workflow.Dispatched,
				workflow.InProgress, workflow.Handled, workflow.Suspended)
		case "closed":
			f.Statuses = append(f.Statuses, workflow.Closed, workflow.Rejected)
		default:
			problems = append(problems, problem{http.StatusBadRequest, fmt.Sprintf("status must be open or closed, not %q", short(s))})
		}
	}
	var ps []problem
	f.From, f.To, ps = h.dateWindow(c.form, window, window)
	problems = append(problems, ps...)
	page, p1 := intParam(c.form, "page", 1, 1_000_000, 1)
	size, p2 := intParam(c.form, "page_size", 1, maxPageSize, maxPageSize)
	for _, p := range []*problem{p1, p2} {
		if p != nil {
			problems = append(problems, *p)
		}
	}
	if len(problems) > 0 {
		c.fail(h, problems...)
		return
	}
	f.Limit, f.Offset = size, (page-1)*size
	views, err := h.app.Open311.Open311Requests(ctx, f)
	if err != nil {
		c.failErr(h, err)
		return
	}
	h.writeRequests(c, views)
}

func (h *Handler) token(c *call, parts []string) {
	if _, pr := h.jurisdiction(c); pr != nil {
		c.fail(h, *pr)
		return
	}
	ticket, err := h.app.Open311.Open311Token(c.r.Context(), parts[1])
	if err != nil {
		c.failErr(h, err)
		return
	}
	doc := receiptsDoc{Requests: []receiptDoc{{ServiceRequestID: ticket, Token: opt(parts[1])}}}
	write(c.w, c.format, http.StatusOK, doc, doc.Requests)
}

// extendedStatus is the servicerequestupdates extension's detailed status (FixMyStreet's words).
func extendedStatus(u georeport.Open311Update) string {
	switch u.Status {
	case workflow.Reported:
		return "open"
	case workflow.Registered:
		return "investigating"
	case workflow.Dispatched, workflow.Suspended:
		return "action_scheduled"
	case workflow.InProgress, workflow.Handled:
		return "in_progress"
	case workflow.Closed:
		return "fixed"
	case workflow.Rejected:
		return "closed"
	}
	return openOrClosed(u.Status)
}

func (h *Handler) updates(c *call, _ []string) {
	var problems []problem
	city, pr := h.jurisdiction(c)
	if pr != nil {
		problems = append(problems, *pr)
	}
	from, to, ps := h.dateWindow(c.form, updatesSpan, window)
	problems = append(problems, ps...)
	if len(problems) > 0 {
		c.fail(h, problems...)
		return
	}
	ups, err := h.app.Open311.Open311Updates(c.r.Context(), city, from, to.Add(time.Second), maxPageSize)
	if err != nil {
		c.failErr(h, err)
		return
	}
	doc := updatesDoc{Updates: make([]updateDoc, len(ups))}
	for i, u := range ups {
		desc := u.Description
		if desc == "" {
			desc = statusNames[u.Status]
		}
		d := updateDoc{UpdateID: strconv.FormatInt(u.ID, 10), ServiceRequestID: u.Ticket, Status: extendedStatus(u),
			UpdatedDatetime: stamp(u.At), Description: &desc, ExternalStatusCode: string(u.Status)}
		doc.Updates[i] = d
	}
	write(c.w, c.format, http.StatusOK, doc, doc.Updates)
}

func (h *Handler) postUpdate(c *call, _ []string) {
	p, client, pr := h.authenticate(c)
	if pr != nil {
		c.fail(h, *pr)
		return
	}
	var problems []problem
	if _, pr := h.jurisdiction(c); pr != nil {
		problems = append(problems, *pr)
	}
	in := georeport.Open311UpdateIn{Ticket: c.form.get("service_request_id"), RemoteID: c.form.get("update_id"),
		Status: c.form.get("status"), Description: c.form.get("description"), MediaURL: c.form.get("media_url"),
		Name: strings.TrimSpace(c.form.get("first_name") + " " + c.form.get("last_name"))}
	if in.Ticket == "" {
		problems = append(problems, problem{http.StatusBadRequest, "service_request_id is required"})
	}
	if len(in.RemoteID) > 100 {
		problems = append(problems, problem{http.StatusBadRequest, "update_id must have at most 100 characters"})
	}
	if s := strings.ToLower(in.Status); s != "" && !slices.Contains([]string{"open", "closed", "fixed", "investigating",
		"in_progress", "action_scheduled", "duplicate", "not_councils_responsibility", "no_further_action", "internal_referral", "unable_to_fix"}, s) {
		problems = append(problems, problem{http.StatusBadRequest, fmt.Sprintf("status %q is not one this extension knows", short(in.Status))})
	} else if s == "fixed" {
		in.Status = "closed"
	}
	if in.MediaURL != "" {
		if u, err := url.Parse(in.MediaURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || len(in.MediaURL) > 2000 {
			problems = append(problems, problem{http.StatusBadRequest, "media_url must be an http or https URL of at most 2000 characters"})
		}
	}
	if n := len([]rune(in.Description)); n > 1900 {
		problems = append(problems, problem{http.StatusBadRequest, fmt.Sprintf("description has %d characters; at most 1900 are allowed", n)})
	}
	if at, pr := timeParam(c.form, "updated_datetime"); pr != nil {
		problems = append(problems, *pr)
	} else {
		in.At = at
	}
	if len(problems) > 0 {
		c.fail(h, problems...)
		return
	}
	id, err := h.app.Open311.PostOpen311Update(c.r.Context(), p, client, in)
	if err != nil {
		c.failErr(h, err)
		return
	}
	doc := updatesDoc{Updates: []updateDoc{{UpdateID: strconv.FormatInt(id, 10)}}}
	write(c.w, c.format, http.StatusOK, doc, doc.Updates)
}
