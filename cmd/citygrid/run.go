package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/citygrid/citygrid/internal/errs"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command ran and failed
	exitUsage = 2 // the command line or its input was wrong
)

// env is what a command sees of its process: arguments aside, everything comes through here,
// so tests run the real program in-process.
type env struct {
	cfg    Config // the environment's settings, read once; commands copy it to bind flags
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func (e *env) logger() *slog.Logger {
	var h slog.Handler = slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	if e.cfg.LogJSON {
		h = slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	}
	return slog.New(h)
}

type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {"run the server", cmdServe},
		"demo":    {"seed a demo city and serve it", cmdDemo},
		"migrate": {"bring the database schema up to date", cmdMigrate},
		"user":    {"manage users: add, list, passwd, disable, enable", cmdUser},
		"token":   {"manage API tokens: create, revoke", cmdToken},
		"open311": {"Open311 api_keys: key create|revoke|list", cmdOpen311},
		"audit":   {"check the audit trail: verify", cmdAudit},
		"import":  {"import regions (GeoJSON), divisions, categories, departments, rules, timelimits, calendar (CSV), hotline tickets or assessment checklists (CSV/XLSX), assessment sites, campaign targets (CSV)", cmdImport},
		"webhook": {"manage webhook subscriptions: add, list, disable", cmdWebhook},
		"export":  {"export regions (GeoJSON), cases or stats (xlsx, csv)", cmdExport},
		"grids":   {"unit grids: generate, members add|remove|list", cmdGrids},
		"bench":   {"measure performance: locate, divisions, intake, list, photos, stats, export", cmdBench},
		"version": {"print the version", cmdVersion},
		"eval":    {"evaluation aggregates: rebuild", cmdEval},
	}
}

// usageError marks a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stderr, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "citygrid: unknown command %q\n", args[0])
		printUsage(stderr, cmds)
		return exitUsage
	}
	cfg, err := readConfig(getenv)
	if err == nil {
		err = cmd.run(ctx, &env{cfg: cfg, stdin: stdin, stdout: stdout, stderr: stderr}, args[1:])
	}
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue usageError
	switch {
	case errors.As(err, &ue), errs.Is(err, errs.Invalid), errs.Is(err, errs.BadRequest):
		fmt.Fprintf(stderr, "citygrid %s: %v\n", args[0], err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "citygrid %s: %v\n", args[0], err)
		return exitError
	}
}

func printUsage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "usage: citygrid COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'citygrid COMMAND -h' for a command's flags.")
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("citygrid "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses flags, turning flag errors into usage errors, and refuses stray arguments
// unless the command takes some.
func parse(fs *flag.FlagSet, args []string, positional bool) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if !positional && fs.NArg() > 0 {
		return usagef("unexpected argument %q", strings.Join(fs.Args(), " "))
	}
	return nil
}
