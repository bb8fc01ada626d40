package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/app/people"
)

// console is the actor of every console command: whoever can run it owns the database.
var console = access.SystemPrincipal("cli")

func cmdUser(ctx context.Context, e *env, args []string) error {
	return subcommand(ctx, e, "user", args, map[string]func(context.Context, *env, []string) error{
		"add":     userAdd,
		"list":    userList,
		"passwd":  userPasswd,
		"disable": func(ctx context.Context, e *env, a []string) error { return userSetDisabled(ctx, e, a, true) },
		"enable":  func(ctx context.Context, e *env, a []string) error { return userSetDisabled(ctx, e, a, false) },
	})
}

func subcommand(ctx context.Context, e *env, name string, args []string, subs map[string]func(context.Context, *env, []string) error) error {
	var names []string
	for n := range subs {
		names = append(names, n)
	}
	if len(args) == 0 {
		return usagef("%s needs a subcommand: %s", name, strings.Join(sorted(names), ", "))
	}
	sub, ok := subs[args[0]]
	if !ok {
		return usagef("unknown %s subcommand %q (want %s)", name, args[0], strings.Join(sorted(names), ", "))
	}
	return sub(ctx, e, args[1:])
}

func userAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user add")
	dsn := dbFlag(fs, e)
	var in people.NewUser
	fs.StringVar(&in.Username, "username", "", "username (required)")
	fs.StringVar(&in.Role, "role", "", "role: admin, operator, leader, dispatcher, handler, gridworker, inspector, resident (required)")
	fs.StringVar(&in.Scope, "scope", "", "region code of the user's subtree (centre roles, grid workers, inspectors; optional for admins)")
	fs.StringVar(&in.Department, "department", "", "department code (handlers)")
	fs.StringVar(&in.DisplayName, "name", "", "display name")
	fs.StringVar(&in.Email, "email", "", "e-mail address for notices (optional)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (required)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if in.Username == "" || in.Role == "" {
		return usagef("--username and --role are required")
	}
	if !*pwStdin {
		return usagef("--password-stdin is required: passwords are never given as arguments")
	}
	pw, err := readPassword(e.stdin)
	if err != nil {
		return err
	}
	in.Password = pw
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		u, err := a.People.AddUser(ctx, console, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "added user %s (%s)\n", u.Username, u.Role)
		return nil
	})
}

// readPassword reads one line, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("no password on standard input")
	}
	return line, nil
}

// userJSON is the stable shape of `user list --json`, which other tools read.
type userJSON struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Scope       string `json:"scope"`
	Department  string `json:"department"`
	Disabled    bool   `json:"disabled"`
	CreatedAt   string `json:"created_at"`
}

func userList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user list")
	dsn := dbFlag(fs, e)
	asJSON := fs.Bool("json", false, "print a JSON array")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		users, err := a.People.ListUsers(ctx, console)
		if err != nil {
			return err
		}
		if *asJSON {
			out := make([]userJSON, len(users))
			for i, u := range users {
				out[i] = userJSON{u.Username, u.DisplayName, string(u.Role), u.Scope, u.Department, u.Disabled, u.CreatedAt.Format("2006-01-02T15:04:05Z07:00")}
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tROLE\tSCOPE\tDEPARTMENT\tDISABLED")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", u.Username, u.Role, dash(u.Scope), dash(u.Department), u.Disabled)
		}
		return tw.Flush()
	})
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func userPasswd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "user passwd")
	dsn := dbFlag(fs, e)
	username := fs.String("username", "", "username (required)")
	pwStdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input (required)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *username == "" || !*pwStdin {
		return usagef("--username and --password-stdin are required")
	}
	pw, err := readPassword(e.stdin)
	if err != nil {
		return err
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		if err := a.People.SetPassword(ctx, console, *username, pw); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "password of %s changed; their sessions have ended and their API tokens are revoked\n", *username)
		return nil
	})
}

func userSetDisabled(ctx context.Context, e *env, args []string, disabled bool) error {
	verb := map[bool]string{true: "disable", false: "enable"}[disabled]
	fs := newFlags(e, "user "+verb)
	dsn := dbFlag(fs, e)
	username := fs.String("username", "", "username (required)")
	if err := parse(fs, args, false); err != nil {
		return err
	}
	if *username == "" {
		return usagef("--username is required")
	}
	return withApp(ctx, e, *dsn, func(a *app.App) error {
		if _, err := a.People.SetDisabled(ctx, console, *username, disabled); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "user %s %sd\n", *username, verb)
		return nil
	})
}
