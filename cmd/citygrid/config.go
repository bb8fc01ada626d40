package main

import (
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/basemap"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/notify"
	frontdoor "github.com/citygrid/citygrid/internal/server"
)

// Config is everything citygrid takes from its environment: every CITYGRID_* variable, read
// once by run and checked before any command starts, then handed down. A command's flags
// (--db, --addr, --data) are bound to a copy of it, so flags win. This file is the only place
// that reads the process environment. (The tests' own variables, CITYGRID_REQUIRE,
// CITYGRID_TEST_POSTGRES, CITYGRID_CHROMIUM and CITYGRID_ARTIFACTS, are read by the test
// helpers that need them, never by the binary.)
type Config struct {
	DB   string // CITYGRID_DB, --db: a DSN; "" when neither says
	Addr string // CITYGRID_ADDR, --addr: where serve listens
	Data string // CITYGRID_DATA, --data: attachments and serve's default SQLite file

	// PublicURL is the absolute address people reach the server at behind a proxy, e.g.
	// https://grid.example.gov.cn (CITYGRID_PUBLIC_URL): Open311 discovery and any other
	// absolute URL use it. "" takes the request's own scheme and host.
	PublicURL     string
	SecureCookies bool // CITYGRID_SECURE_COOKIES: Secure cookies when TLS ends at a proxy
	LogJSON       bool // CITYGRID_LOG_FORMAT=json

	// MapTiles are the tiles under the pages' maps (CITYGRID_MAP_TILES with CITYGRID_MAP_KEY,
	// CITYGRID_MAP_URL and CITYGRID_MAP_CRS; CITYGRID_TILE_URL is the older name of an XYZ
	// template in WGS-84). The zero value leaves the choice to /admin/map, whose default is none.
	MapTiles basemap.TileConfig

	DuplicateRadiusM float64       // CITYGRID_DUPLICATE_RADIUS_M; 0 keeps the use cases' default
	DuplicateWindow  time.Duration // CITYGRID_DUPLICATE_DAYS; 0 keeps the use cases' default
	JobsEvery        time.Duration // CITYGRID_JOBS_EVERY; 0 runs no jobs in this process

	SMTP     string // CITYGRID_SMTP: mail server for notices; "" sends no mail
	MailFrom string // CITYGRID_MAIL_FROM

	// Metrics is who may read /metrics (CITYGRID_METRICS): open (default), off, or token, which
	// wants Authorization: Bearer MetricsToken (CITYGRID_METRICS_TOKEN, at least 32 characters).
	Metrics      frontdoor.MetricsMode
	MetricsToken string
}

// Defaults of the settings that have one.
const (
	defaultAddr      = "127.0.0.1:8080"
	defaultData      = "./citygrid-data"
	defaultJobsEvery = 5 * time.Second
	defaultMailFrom  = "citygrid <citygrid@localhost>"
)

// osGetenv is the process environment, for main to hand to run.
func osGetenv(key string) string { return os.Getenv(key) }

// readConfig reads every CITYGRID_* variable through getenv and checks each; all problems
// come back at once, as a usage error (exit 2). The database DSN and the listen address are
// checked where they are used, since a flag may still replace them.
func readConfig(getenv func(string) string) (Config, error) {
	c := Config{
		DB:        getenv("CITYGRID_DB"),
		Addr:      or(getenv("CITYGRID_ADDR"), defaultAddr),
		Data:      or(getenv("CITYGRID_DATA"), defaultData),
		JobsEvery: defaultJobsEvery,
		SMTP:      getenv("CITYGRID_SMTP"),
		MailFrom:  or(getenv("CITYGRID_MAIL_FROM"), defaultMailFrom),
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...).Error()) }

	if v := getenv("CITYGRID_PUBLIC_URL"); v != "" {
		u, err := publicURL(v)
		if err != nil {
			bad("CITYGRID_PUBLIC_URL %w", err)
		}
		c.PublicURL = u
	}
	if v := getenv("CITYGRID_SECURE_COOKIES"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			bad("CITYGRID_SECURE_COOKIES must be 1 or 0, not %q", v)
		}
		c.SecureCookies = on
	}
	switch v := getenv("CITYGRID_LOG_FORMAT"); v {
	case "", "text":
	case "json":
		c.LogJSON = true
	default:
		bad("CITYGRID_LOG_FORMAT must be text or json, not %q", v)
	}
	if v := getenv("CITYGRID_DUPLICATE_RADIUS_M"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r >= 1 && r <= 10000) {
			bad("CITYGRID_DUPLICATE_RADIUS_M must be metres from 1 to 10000, not %q", v)
		}
		c.DuplicateRadiusM = r
	}
	if v := getenv("CITYGRID_DUPLICATE_DAYS"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d <= 0 || d > 365 {
			bad("CITYGRID_DUPLICATE_DAYS must be days from 1 to 365, not %q", v)
		}
		c.DuplicateWindow = time.Duration(d) * 24 * time.Hour
	}
	if v := getenv("CITYGRID_JOBS_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			bad("CITYGRID_JOBS_EVERY must be a duration such as 5s or 0, not %q", v)
		}
		c.JobsEvery = d
	}
	if c.SMTP != "" {
		// The mailer's own parser is the check, so what passes here is what serve can use.
		if _, err := notify.NewSMTPMailer(c.SMTP, c.MailFrom); err != nil {
			bad("CITYGRID_SMTP or CITYGRID_MAIL_FROM: %w", err)
		}
	} else if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		bad("CITYGRID_MAIL_FROM must be an address such as %q, not %q", defaultMailFrom, c.MailFrom)
	}
	switch v := frontdoor.MetricsMode(getenv("CITYGRID_METRICS")); v {
	case "", frontdoor.MetricsOpen:
		c.Metrics = frontdoor.MetricsOpen
	case frontdoor.MetricsOff, frontdoor.MetricsToken:
		c.Metrics = v
	default:
		bad("CITYGRID_METRICS must be open, off or token, not %q", v)
	}
	c.MetricsToken = getenv("CITYGRID_METRICS_TOKEN")
	if c.Metrics == frontdoor.MetricsToken && (len(c.MetricsToken) < frontdoor.MinMetricsTokenLen || strings.ContainsAny(c.MetricsToken, " \t\r\n")) {
		bad("CITYGRID_METRICS=token needs CITYGRID_METRICS_TOKEN of at least %d characters without white space (e.g. openssl rand -hex 32)", frontdoor.MinMetricsTokenLen)
	}
	if tiles, err := mapTiles(getenv); err != nil {
		bad("%w", err)
	} else {
		c.MapTiles = tiles
	}
	if len(problems) > 0 {
		return Config{}, usageError{strings.Join(problems, "; ")}
	}
	return c, nil
}

// mapVariables name the environment variable behind each field of a tile configuration.
var mapVariables = map[string]string{"provider": "CITYGRID_MAP_TILES", "key": "CITYGRID_MAP_KEY", "url": "CITYGRID_MAP_URL", "crs": "CITYGRID_MAP_CRS"}

// mapTiles reads the tiles under the maps; the zero value when none of the variables is set.
func mapTiles(getenv func(string) string) (basemap.TileConfig, error) {
	provider, old := getenv("CITYGRID_MAP_TILES"), getenv("CITYGRID_TILE_URL")
	tc := basemap.TileConfig{Provider: basemap.Provider(provider), Key: getenv("CITYGRID_MAP_KEY"), URL: getenv("CITYGRID_MAP_URL"),
		CRS: crs.System(getenv("CITYGRID_MAP_CRS"))}
	switch {
	case provider != "" && old != "":
		return basemap.TileConfig{}, fmt.Errorf("CITYGRID_TILE_URL is the older name of CITYGRID_MAP_TILES=xyz with CITYGRID_MAP_URL: set one of them")
	case provider == "" && old != "":
		tc = basemap.TileConfig{Provider: basemap.XYZ, URL: old, CRS: crs.WGS84}
	case provider == "":
		for _, v := range []string{"CITYGRID_MAP_KEY", "CITYGRID_MAP_URL", "CITYGRID_MAP_CRS"} {
			if getenv(v) != "" {
				return basemap.TileConfig{}, fmt.Errorf("%s needs CITYGRID_MAP_TILES (tianditu, amap, xyz or none)", v)
			}
		}
		return basemap.TileConfig{}, nil
	}
	n, err := tc.Normalize()
	if err != nil {
		_, params := errs.Detail(err)
		name := mapVariables[fmt.Sprint(params["field"])]
		if old != "" {
			name = "CITYGRID_TILE_URL"
		}
		if name != "CITYGRID_MAP_TILES" && old == "" {
			name += " (with CITYGRID_MAP_TILES=" + provider + ")"
		}
		return basemap.TileConfig{}, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

// publicURL checks an absolute base URL (http or https, a host, no query, fragment or user)
// and returns it without a trailing slash, ready to have paths appended.
func publicURL(v string) (string, error) {
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return "", fmt.Errorf("is not a URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("must start with https:// or http://, not %q", v)
	case u.Host == "":
		return "", fmt.Errorf("must name a host, as in https://grid.example.gov.cn, not %q", v)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.User != nil:
		return "", fmt.Errorf("must be a plain base address with no query, fragment or user, not %q", v)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}
