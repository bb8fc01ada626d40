package access

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/citygrid/citygrid/internal/errs"
)

// Password length bounds. bcrypt reads only the first 72 bytes, so longer ones are refused
// rather than silently truncated.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 72
)

// CheckPasswordPolicy refuses passwords that are too short or too long.
func CheckPasswordPolicy(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		return errs.Refuse(errs.Invalid, "password_too_short", errs.Params{"min": MinPasswordLen}, "password must have at least %d characters", MinPasswordLen)
	}
	if len(pw) > MaxPasswordLen {
		return errs.Refuse(errs.Invalid, "password_too_long", errs.Params{"max": MaxPasswordLen}, "password must have at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// HashPassword hashes pw with bcrypt at the given cost.
func HashPassword(pw string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// PasswordMatches reports whether pw matches hash.
func PasswordMatches(hash, pw string) bool {
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw))
	return err == nil
}

// ValidUsername checks the shape of a username: 2–64 characters of letters, digits, '.', '_',
// '-' or '@', so it can appear in URLs, logs and CSV without quoting.
func ValidUsername(u string) error {
	if n := utf8.RuneCountInString(u); n < 2 || n > 64 {
		return errs.Refuse(errs.Invalid, "username_length", nil, "username must have 2 to 64 characters")
	}
	for _, r := range u {
		ok := r == '.' || r == '_' || r == '-' || r == '@' ||
			('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
		if !ok {
			return errs.Refuse(errs.Invalid, "username_chars", nil, "username may hold only letters, digits and . _ - @")
		}
	}
	return nil
}

// Secret prefixes tell a reader what a leaked string is.
const (
	TokenPrefix   = "cgt_" // API bearer tokens
	SessionPrefix = "cgs_" // browser sessions
)

// NewSecret returns a fresh random secret with the given prefix and the hash to store for it.
func NewSecret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never returns an error on supported platforms
	}
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret returns the stored form of a secret. Secrets are 256 random bits, so a fast hash
// is enough: there is nothing to brute-force.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// ErrMalformedSecret is returned for strings that cannot be a secret of the wanted kind.
var ErrMalformedSecret = errors.New("malformed secret")

// CheckSecretShape rejects strings that are not a secret with the given prefix, before any
// lookup.
func CheckSecretShape(prefix, s string) error {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) != 43 {
		return ErrMalformedSecret
	}
	if _, err := base64.RawURLEncoding.DecodeString(rest); err != nil {
		return ErrMalformedSecret
	}
	return nil
}
