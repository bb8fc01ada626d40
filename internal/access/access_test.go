package access_test

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/access"
)

func TestParseRole(t *testing.T) {
	for _, r := range access.Roles {
		if got, err := access.ParseRole(string(r)); err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, bad := range []string{"", "Admin", "root", "grid_worker"} {
		if _, err := access.ParseRole(bad); err == nil {
			t.Errorf("ParseRole(%q) succeeded, want an error", bad)
		}
	}
}

func TestValidUsername(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"zhang.san", true}, {"op-01", true}, {"a@b.cn", true}, {"ab", true},
		{"a", false}, {"", false}, {"张三", false}, {"has space", false}, {"semi;colon", false},
		{strings.Repeat("x", 64), true}, {strings.Repeat("x", 65), false},
	}
	for _, tt := range tests {
		if err := access.ValidUsername(tt.name); (err == nil) != tt.ok {
			t.Errorf("ValidUsername(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	tests := []struct {
		pw string
		ok bool
	}{
		{"1234567", false}, {"12345678", true}, {"网格化管理平台密码", true},
		{strings.Repeat("p", 72), true}, {strings.Repeat("p", 73), false},
	}
	for _, tt := range tests {
		if err := access.CheckPasswordPolicy(tt.pw); (err == nil) != tt.ok {
			t.Errorf("CheckPasswordPolicy(%d chars) = %v, want ok=%v", len(tt.pw), err, tt.ok)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := access.HashPassword("correct horse", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !access.PasswordMatches(h, "correct horse") || access.PasswordMatches(h, "correct horsE") {
		t.Error("PasswordMatches does not tell the right password from a wrong one")
	}
}

func TestSecrets(t *testing.T) {
	s, h := access.NewSecret(access.TokenPrefix)
	s2, _ := access.NewSecret(access.TokenPrefix)
	if s == s2 {
		t.Fatal("two secrets are equal")
	}
	if access.HashSecret(s) != h || strings.Contains(h, s) {
		t.Errorf("hash %q does not match secret or contains it", h)
	}
	if err := access.CheckSecretShape(access.TokenPrefix, s); err != nil {
		t.Errorf("fresh token rejected: %v", err)
	}
	for _, bad := range []string{"", "cgt_", "cgt_short", strings.Replace(s, "cgt_", "cgs_", 1), s + "x", s[:len(s)-1] + "!"} {
		if access.CheckSecretShape(access.TokenPrefix, bad) == nil {
			t.Errorf("CheckSecretShape(%q) accepted a malformed token", bad)
		}
	}
}

func TestCovers(t *testing.T) {
	path := []string{"4108", "410802", "410802001"}
	tests := []struct {
		name string
		p    *access.Principal
		want bool
	}{
		{"an unscoped admin covers everything", &access.Principal{User: access.User{Role: access.Admin}}, true},
		{"the system covers everything", access.SystemPrincipal("cli"), true},
		{"a district operator covers a subdistrict in it", &access.Principal{User: access.User{Role: access.Operator, Scope: "410802"}}, true},
		{"a district operator does not cover another district", &access.Principal{User: access.User{Role: access.Operator, Scope: "410811"}}, false},
		{"a subdistrict admin does not cover its district", &access.Principal{User: access.User{Role: access.Admin, Scope: "410802001001"}}, false},
		{"a scoped role without scope covers nothing", &access.Principal{User: access.User{Role: access.Operator}}, false},
		{"nobody covers for an anonymous caller", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Covers(path); got != tt.want {
				t.Errorf("Covers = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzCheckSecretShape(f *testing.F) {
	s, _ := access.NewSecret(access.TokenPrefix)
	for _, seed := range []string{s, "", "cgt_", "Bearer x", s + "=", "cgt_" + strings.Repeat("A", 43)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if access.CheckSecretShape(access.TokenPrefix, in) == nil {
			if !strings.HasPrefix(in, access.TokenPrefix) || len(in) != len(access.TokenPrefix)+43 {
				t.Fatalf("accepted %q, which is not a prefixed 43-character secret", in)
			}
		}
	})
}
