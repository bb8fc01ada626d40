package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
)

// The targets of the intake issue, printed beside the numbers.
const (
	TargetReportsPerSecond = 2000
	TargetRawFraction      = 0.5
)

// IntakeConfig says what `bench intake` sends.
type IntakeConfig struct {
	Reports int    // POST /api/v1/cases to send
	Clients int    // concurrent clients, each on its own keep-alive connection
	Seed    uint64 // seeds the points, categories and texts
	// Front builds the server's HTTP front door over a and db, as `citygrid serve` does; the
	// caller wires it, so the bench measures the real thing without wiring adapters itself.
	Front func(a *app.App, db *store.DB, log *slog.Logger) (http.Handler, error)
}

// IntakeResult is what `bench intake` measured.
type IntakeResult struct {
	Reports      int           // acknowledged with 201
	Elapsed      time.Duration // from the first request to the last answer
	PerSecond    float64
	P50, P95     time.Duration
	P99          time.Duration
	Acknowledged []Ack // every 201: the case's id and ticket

	RawRows      int
	RawElapsed   time.Duration
	RawPerSecond float64
	Ratio        float64 // PerSecond / RawPerSecond
}

// Ack is what a 201 said.
type Ack struct {
	ID     int64  `json:"id"`
	Ticket string `json:"ticket"`
}

// Intake measures reports through the real HTTP server on db (fresh and migrated): it seeds the
// small demo city, serves citygrid's API on a loopback port, signs in a grid worker and a
// resident, and has cfg.Clients clients send cfg.Reports reports (real JSON, random points in
// random unit grids, random public categories). Then, in the same database, it inserts the
// same rows again straight through the store, one transaction per row at the same
// concurrency, for the raw rate of the engine.
func Intake(ctx context.Context, w io.Writer, db *store.DB, where string, cfg IntakeConfig) (*IntakeResult, error) {
	if cfg.Reports < 1 || cfg.Clients < 1 {
		return nil, fmt.Errorf("bench intake: reports and clients must be positive (got %d, %d)", cfg.Reports, cfg.Clients)
	}
	if cfg.Front == nil {
		return nil, errors.New("bench intake: no front door to measure (IntakeConfig.Front)")
	}
	fmt.Fprintf(w, "citygrid bench intake: %s reports through HTTP from %d clients, then the same rows inserted raw\n\n", count(cfg.Reports), cfg.Clients)
	fmt.Fprintf(w, "database    %s\n", where)

	// The server, wired as `citygrid serve` wires it.
	quiet := slog.New(slog.DiscardHandler)
	a, err := app.New(db, app.Options{Logger: quiet})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := demo.Seed(ctx, a, demo.Options{}); err != nil {
		return nil, fmt.Errorf("bench intake: seed the demo city: %w", err)
	}
	places, err := unitGrids(ctx, db)
	if err != nil {
		return nil, err
	}
	cats, err := db.Categories(ctx, true)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "city        the small demo city (%s unit grids, %d public categories), seeded in %s\n", count(len(places)), len(cats), dur(time.Since(start)))
	api, err := cfg.Front(a, db, quiet)
	if err != nil {
		return nil, fmt.Errorf("bench intake: the front door: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		MaxIdleConns: cfg.Clients, MaxIdleConnsPerHost: cfg.Clients, MaxConnsPerHost: cfg.Clients, IdleConnTimeout: time.Minute}}
	defer client.CloseIdleConnections()
	cookies := map[string]string{}
	for _, u := range []string{"gridworker", "resident"} {
		if cookies[u], err = signIn(ctx, client, base, u); err != nil {
			return nil, err
		}
	}

	// The bodies, made before the clock starts.
	rng := mrand.New(mrand.NewPCG(cfg.Seed, 0x696e74616b65)) // "intake"
	bodies := make([][]byte, cfg.Reports)
	for i := range bodies {
		g := places[rng.IntN(len(places))]
		p := randomPointIn(rng, g.Geometry)
		c := cats[rng.IntN(len(cats))]
		body := map[string]any{"category_kind": c.Kind, "category": c.Code, "lon": p[0], "lat": p[1],
			"description": fmt.Sprintf("%s：第 %d 号测试上报", c.Name, i+1), "address": g.Name}
		if i%2 == 1 {
			body["contact"] = map[string]string{"name": "张先生", "phone": "13800000000"}
		}
		if bodies[i], err = json.Marshal(body); err != nil {
			return nil, err
		}
	}

	// The reports.
	res := &IntakeResult{Acknowledged: make([]Ack, 0, cfg.Reports)}
	lat := make([]time.Duration, cfg.Reports)
	var (
		next    atomic.Int64
		mu      sync.Mutex
		wg      sync.WaitGroup
		firstEr error
	)
	fmt.Fprintf(w, "clients     %d concurrent, half signed in as the demo grid worker, half as the demo resident\n\n", cfg.Clients)
	start = time.Now()
	for c := range cfg.Clients {
		cookie := cookies[[]string{"gridworker", "resident"}[c%2]]
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= cfg.Reports {
					return
				}
				t0 := time.Now()
				ack, err := postReport(ctx, client, base, cookie, bodies[i])
				lat[i] = time.Since(t0)
				mu.Lock()
				if err != nil {
					firstEr = cmpErr(firstEr, fmt.Errorf("report %d: %w", i+1, err))
				} else {
					res.Acknowledged = append(res.Acknowledged, ack)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if firstEr != nil {
		return nil, fmt.Errorf("bench intake: %w", firstEr)
	}
	res.Reports = len(res.Acknowledged)
	res.PerSecond = float64(res.Reports) / res.Elapsed.Seconds()
	p := percentiles(lat, 50, 95, 99)
	res.P50, res.P95, res.P99 = p[0], p[1], p[2]
	fmt.Fprintf(w, "HTTP        POST /api/v1/cases, each 201 sent after its report's transaction committed durably\n")
	fmt.Fprintf(w, "  reports   %s acknowledged in %s\n", count(res.Reports), dur(res.Elapsed))
	fmt.Fprintf(w, "  rate      %s reports/s   (target ≥ %s/s: %s)\n", count(int(res.PerSecond+0.5)), count(TargetReportsPerSecond), verdict(res.PerSecond >= TargetReportsPerSecond))
	fmt.Fprintf(w, "  latency   p50 %s   p95 %s   p99 %s\n\n", ms(res.P50), ms(res.P95), ms(res.P99))

	// The same rows, raw.
	recs := make([]store.CaseRecord, len(res.Acknowledged))
	for i, ack := range res.Acknowledged {
		if recs[i], err = db.Case(ctx, ack.ID); err != nil {
			return nil, fmt.Errorf("bench intake: acknowledged report %s: %w", ack.Ticket, err)
		}
		recs[i].Ticket = "raw-" + recs[i].Ticket
	}
	next.Store(0)
	start = time.Now()
	for range cfg.Clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(recs) {
					return
				}
				err := db.InTx(ctx, func(ctx context.Context) error {
					_, err := db.InsertCase(ctx, recs[i])
					return err
				})
				if err != nil {
					mu.Lock()
					firstEr = cmpErr(firstEr, fmt.Errorf("raw insert %d: %w", i+1, err))
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	res.RawElapsed = time.Since(start)
	if firstEr != nil {
		return nil, fmt.Errorf("bench intake: %w", firstEr)
	}
	res.RawRows = len(recs)
	res.RawPerSecond = float64(res.RawRows) / res.RawElapsed.Seconds()
	res.Ratio = res.PerSecond / res.RawPerSecond
	fmt.Fprintf(w, "raw         the same %s rows, one INSERT INTO cases per durable transaction, %d at a time\n", count(res.RawRows), cfg.Clients)
	fmt.Fprintf(w, "  rate      %s rows/s in %s\n", count(int(res.RawPerSecond+0.5)), dur(res.RawElapsed))
	fmt.Fprintf(w, "  ratio     HTTP / raw = %.2f   (target ≥ %.1f: %s)\n\n", res.Ratio, TargetRawFraction, verdict(res.Ratio >= TargetRawFraction))
	machine(w)
	return res, nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// unitGrids returns the unit grids that have a shape.
func unitGrids(ctx context.Context, db *store.DB) ([]grid.Region, error) {
	var out []grid.Region
	err := db.EachRegion(ctx, true, func(r grid.Region) error {
		if r.Level == grid.Grid && r.Geometry != nil {
			out = append(out, r)
		}
		return nil
	})
	if err == nil && len(out) == 0 {
		err = errors.New("bench: the database has no unit grids")
	}
	return out, err
}

// randomPointIn draws a point uniformly inside g (by rejection in its bounding box), falling
// back to a fixed inside point for a sliver.
func randomPointIn(rng *mrand.Rand, g orb.Geometry) orb.Point {
	b := g.Bound()
	for range 100 {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		if grid.Contains(g, p) {
			return p
		}
	}
	p, _ := grid.PointInside(g)
	return p
}

func signIn(ctx context.Context, client *http.Client, base, username string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": username, "password": demo.Password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	for _, c := range resp.Cookies() {
		if c.Name == "citygrid_session" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("bench: sign-in as %s answered %s without a session", username, resp.Status)
}

func postReport(ctx context.Context, client *http.Client, base, cookie string, body []byte) (Ack, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/cases", bytes.NewReader(body))
	if err != nil {
		return Ack{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", cookie)
	resp, err := client.Do(req)
	if err != nil {
		return Ack{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Ack{}, err
	}
	if resp.StatusCode != http.StatusCreated {
		return Ack{}, fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(b))
	}
	var ack Ack
	if err := json.Unmarshal(b, &ack); err != nil || ack.ID == 0 || ack.Ticket == "" {
		return Ack{}, fmt.Errorf("a 201 without an id and ticket: %s", b)
	}
	return ack, nil
}
