package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/blob"
	"github.com/citygrid/citygrid/internal/photo"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/testkit"
)

// TargetPhotosPeakRSS is the bound on the server's memory under 8 concurrent uploads
// of the largest photo it accepts.
const TargetPhotosPeakRSS = 600 << 20

// PhotosConfig says what `bench photos` sends.
type PhotosConfig struct {
	Uploads int // sent at once, each a different photo
	Side    int // the photos are Side × Side pixels; 0 for the largest accepted
	// Unbounded also measures the same uploads with the decoding bound lifted, for comparison.
	Unbounded bool
	// Front builds the server's HTTP front door, as `citygrid serve` does (see IntakeConfig).
	Front func(a *app.App, db *store.DB, log *slog.Logger) (http.Handler, error)
}

// PhotosRun is one measured burst of uploads.
type PhotosRun struct {
	Bounded  bool
	Baseline int64 // resident bytes before the burst
	Peak     int64 // the most resident bytes during it (VmHWM)
	Elapsed  time.Duration
	Statuses map[int]int // answers by HTTP status
}

// Photos measures the server's peak memory while cfg.Uploads photos of the largest size it
// accepts (a PNG of one colour: megapixels in a few hundred kilobytes, the cheapest way to make
// a server decode) are uploaded at once through the real API: photo decoding is bounded by a
// photo.Preparer, and this shows what that bound holds the whole process to. The server runs in
// this process; the peak is the process's VmHWM, reset before each burst (Linux only). The
// clients' share is the photos' bytes, a few megabytes.
func Photos(ctx context.Context, w io.Writer, db *store.DB, where string, cfg PhotosConfig) ([]PhotosRun, error) {
	if cfg.Uploads < 1 {
		return nil, fmt.Errorf("bench photos: uploads must be positive (got %d)", cfg.Uploads)
	}
	if cfg.Front == nil {
		return nil, errors.New("bench photos: no front door to measure (PhotosConfig.Front)")
	}
	if cfg.Side == 0 {
		cfg.Side = int(math.Sqrt(photo.MaxPixels)) // 6324 × 6324: 39.99 megapixels, 160 MB decoded
	}
	if _, err := peakRSS(); err != nil {
		return nil, fmt.Errorf("bench photos: the peak resident memory cannot be read here (Linux's /proc/self/status): %w", err)
	}
	photos := make([][]byte, cfg.Uploads)
	for i := range photos {
		photos[i] = testkit.SolidPNG(cfg.Side, cfg.Side, byte(40+i))
	}
	fmt.Fprintf(w, "citygrid bench photos: %d uploads at once of a %d × %d PNG (%.1f megapixels, %s sent, %s decoded)\n\n",
		cfg.Uploads, cfg.Side, cfg.Side, float64(cfg.Side*cfg.Side)/1e6, mib(int64(len(photos[0]))), mib(int64(cfg.Side)*int64(cfg.Side)*4))
	fmt.Fprintf(w, "database    %s\n", where)

	runs := []bool{true}
	if cfg.Unbounded {
		runs = append(runs, false)
	}
	var out []PhotosRun
	for _, bounded := range runs {
		limits := photo.Limits{} // the defaults `citygrid serve` runs with
		if !bounded {
			limits = photo.Limits{Concurrent: cfg.Uploads, Budget: math.MaxInt64}
		}
		run, err := photosBurst(ctx, db, cfg, photo.NewPreparer(limits), photos)
		if err != nil {
			return out, err
		}
		run.Bounded = bounded
		out = append(out, run)
		what := "bounded (the default: 2 at once, " + mib(photo.DefaultBudget) + " of pixels)"
		if !bounded {
			what = "unbounded (for comparison)"
		}
		fmt.Fprintf(w, "\n%s\n", what)
		fmt.Fprintf(w, "  answers       %v in %s\n", run.Statuses, dur(run.Elapsed))
		fmt.Fprintf(w, "  resident      %s before, %s at the peak (VmHWM)\n", mib(run.Baseline), mib(run.Peak))
		if bounded {
			verdict := "within"
			if run.Peak > TargetPhotosPeakRSS {
				verdict = "OVER"
			}
			fmt.Fprintf(w, "  target        peak ≤ %s: %s\n", mib(TargetPhotosPeakRSS), verdict)
		}
	}
	return out, nil
}

// photosBurst serves the API with prep deciding how photos are decoded, resets the peak, sends
// every photo at once and reads the peak.
func photosBurst(ctx context.Context, db *store.DB, cfg PhotosConfig, prep *photo.Preparer, photos [][]byte) (PhotosRun, error) {
	dir, err := os.MkdirTemp("", "citygrid-bench-photos-")
	if err != nil {
		return PhotosRun{}, err
	}
	defer os.RemoveAll(dir)
	blobs, err := blob.NewDir(dir)
	if err != nil {
		return PhotosRun{}, err
	}
	quiet := slog.New(slog.DiscardHandler)
	a, err := app.New(db, app.Options{Logger: quiet, Blobs: blobs, Photos: prep})
	if err != nil {
		return PhotosRun{}, err
	}
	api, err := cfg.Front(a, db, quiet)
	if err != nil {
		return PhotosRun{}, fmt.Errorf("bench photos: the front door: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return PhotosRun{}, err
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/api/v1/attachments"
	client := &http.Client{Timeout: 10 * time.Minute}
	defer client.CloseIdleConnections()

	// Start from what the process needs, not from what an earlier burst left to collect.
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return PhotosRun{}, fmt.Errorf("bench photos: reset the peak resident memory: %w", err)
	}
	run := PhotosRun{Statuses: map[int]int{}}
	if run.Baseline, err = peakRSS(); err != nil {
		return run, err
	}
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		first error
	)
	start := time.Now()
	for _, data := range photos {
		wg.Go(func() {
			status, err := upload(ctx, client, url, data)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			run.Statuses[status]++
		})
	}
	wg.Wait()
	run.Elapsed = time.Since(start)
	if first != nil {
		return run, fmt.Errorf("bench photos: upload: %w", first)
	}
	run.Peak, err = peakRSS()
	return run, err
}

// upload posts one photo as POST /api/v1/attachments does and returns the status.
func upload(ctx context.Context, client *http.Client, url string, data []byte) (int, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("file", "photo.png")
	if err != nil {
		return 0, err
	}
	if _, err := fw.Write(data); err != nil {
		return 0, err
	}
	if err := mw.Close(); err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", url, &b)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// peakRSS is the process's peak resident memory since it started or since the peak was last
// reset (VmHWM), in bytes.
func peakRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM line in /proc/self/status")
}

func mib(n int64) string {
	if n >= 10<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", n>>10)
}
