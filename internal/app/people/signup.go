package people

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/follow"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/audit"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/store"
)

// Residents sign up with an e-mail address they prove they hold: a six-digit code is mailed to
// it (through the outbox, never from the request), good for SignupCodeTTL and SignupGuesses
// guesses; with it they choose a username and password and are signed in as a resident.
const (
	SignupCodeTTL = 15 * time.Minute
	SignupGuesses = 5
	// TopicSignupCode is the outbox topic of a code's mail (package notices mails it); its
	// payload is SignupMessage.
	TopicSignupCode = "signup.code"
	// At most signupPerAddress codes for one address and signupPerClient requests from one
	// client address (an IPv6 /64) an hour.
	signupPerAddress = 5
	signupPerClient  = 20
	signupWindow     = time.Hour
)

// SignupMessage is what the mail of a signup code needs.
type SignupMessage struct {
	Email string `json:"email"`
	Code  string `json:"code"`
}

// RequestSignupCode mails a code to an address that wants an account. It answers the same
// whether or not the address has an account already (the code's holder learns that, not the
// asker). Refuses: a server that mails nothing (unavailable, no_mail), an address that is not
// one (invalid, bad_email), too many requests (too many requests, throttled).
func (a *Service) RequestSignupCode(ctx context.Context, email string) error {
	if a.Opts.Mailer == nil {
		return errs.RefuseCoded(errs.Unavailable, "no_mail", nil, "this server sends no e-mail, so nobody can sign up by e-mail")
	}
	addr, err := follow.CheckAddress(email)
	if err != nil {
		return err
	}
	if err := a.throttleSignup(ctx, addr); err != nil {
		return err
	}
	code, err := signupCode()
	if err != nil {
		return err
	}
	now := a.Now()
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.PutSignupCode(ctx, store.SignupCode{Email: addr, CodeHash: codeHash(addr, code), ExpiresAt: now.Add(SignupCodeTTL)}, now); err != nil {
			return err
		}
		payload, _ := json.Marshal(SignupMessage{Email: addr, Code: code})
		return a.DB.Enqueue(ctx, TopicSignupCode, string(payload), now)
	})
}

// throttleSignup counts a request from the client and for addr, refused ones too.
func (a *Service) throttleSignup(ctx context.Context, addr string) error {
	var limits []kernel.Limit
	if client := audit.ClientAddr(ctx); client != "" {
		limits = append(limits, kernel.Limit{Key: "signup-from:" + kernel.AddressKey(client), Max: signupPerClient})
	}
	return a.CountLimits(ctx, signupWindow, "sign-up requests", append(limits, kernel.Limit{Key: "signup:" + kernel.HashKey(addr), Max: signupPerAddress})...)
}

func signupCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("draw a signup code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// codeHash keys a code to its address, so a stored hash is no use for another address.
func codeHash(addr, code string) string {
	m := hmac.New(sha256.New, []byte(addr))
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// NewResident is what SignUp needs.
type NewResident struct {
	Email       string `json:"email"`
	Code        string `json:"code"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Password    string `json:"password"`
}

// SignUp creates a resident account for an address that holds its mailed code, and signs it
// in. Refuses: a code that is wrong, expired, used up or never sent (invalid, bad_code; each
// guess counts, SignupGuesses in all), an address that has an account already (conflict,
// email_taken), a username taken (conflict), and what AddUser refuses of the fields.
func (a *Service) SignUp(ctx context.Context, in NewResident) (Session, error) {
	addr, err := follow.CheckAddress(in.Email)
	if err != nil {
		return Session{}, err
	}
	u, err := a.checkNewUser(NewUser{Username: in.Username, DisplayName: in.DisplayName, Role: string(access.Resident), Email: addr, Password: in.Password})
	if err != nil {
		return Session{}, err
	}
	badCode := errs.RefuseCoded(errs.Invalid, "bad_code", nil, "the code is wrong or no longer valid; ask for a new one")
	if len(in.Code) != 6 {
		return Session{}, badCode
	}
	// The guess counts in a transaction of its own: a wrong one is not undone.
	c, err := a.DB.GuessSignupCode(ctx, addr)
	if errs.Is(err, errs.NotFound) {
		return Session{}, badCode
	} else if err != nil {
		return Session{}, err
	}
	now := a.Now()
	if c.Attempts > SignupGuesses || !now.Before(c.ExpiresAt) || !hmac.Equal([]byte(c.CodeHash), []byte(codeHash(addr, in.Code))) {
		return Session{}, badCode
	}
	hash, err := access.HashPassword(in.Password, a.Opts.BcryptCost)
	if err != nil {
		return Session{}, err
	}
	var s Session
	err = a.DB.InTx(ctx, func(ctx context.Context) error {
		taken, err := a.DB.EmailHasAccount(ctx, addr)
		if err != nil {
			return err
		}
		if taken {
			return errs.RefuseCoded(errs.Conflict, "email_taken", nil, "this address has an account already: sign in instead")
		}
		if u, err = a.DB.CreateUser(ctx, u, hash, now); err != nil {
			return err
		}
		if err := a.DB.DeleteSignupCode(ctx, addr); err != nil {
			return err
		}
		secret, secretHash := access.NewSecret(access.SessionPrefix)
		s = Session{Secret: secret, ExpiresAt: now.Add(a.Opts.SessionTTL), User: u}
		if err := a.DB.CreateSession(ctx, secretHash, u.ID, now, s.ExpiresAt); err != nil {
			return err
		}
		return a.Record(ctx, &access.Principal{User: u, Via: "session"}, "user.signup", "user:"+u.Username, nil, userSummary(u))
	})
	if err != nil {
		return Session{}, err
	}
	return s, nil
}
