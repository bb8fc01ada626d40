package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// SMTPMailer sends e-mail through an SMTP server (STARTTLS when the server offers it, PLAIN
// authentication when the URL carries a user).
type SMTPMailer struct {
	addr string // host:port
	from mail.Address
	auth smtp.Auth
}

// NewSMTPMailer reads a server URL, smtp://[user:password@]host[:port] (port 25 by default),
// and the sender address.
func NewSMTPMailer(server, from string) (*SMTPMailer, error) {
	u, err := url.Parse(server)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, fmt.Errorf("mail server must be smtp://[user:password@]host[:port], not %q", server)
	}
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail sender %q: %w", from, err)
	}
	port := u.Port()
	if port == "" {
		port = "25"
	}
	m := &SMTPMailer{addr: net.JoinHostPort(u.Hostname(), port), from: *sender}
	if u.User != nil {
		pass, _ := u.User.Password()
		m.auth = smtp.PlainAuth("", u.User.Username(), pass, u.Hostname())
	}
	return m, nil
}

// Send mails one plain-text UTF-8 message.
func (m *SMTPMailer) Send(ctx context.Context, to, subject, body string) error {
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("recipient %q: %w", to, err)
	}
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	domain := m.from.Address[strings.LastIndexByte(m.from.Address, '@')+1:]
	var msg strings.Builder
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n", m.from.String(), rcpt.String(),
		mime.QEncoding.Encode("utf-8", subject), time.Now().Format(time.RFC1123Z), hex.EncodeToString(id), domain)
	msg.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	msg.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	// net/smtp has no context: bound the whole exchange by running it aside.
	done := make(chan error, 1)
	go func() {
		done <- smtp.SendMail(m.addr, m.auth, m.from.Address, []string{rcpt.Address}, []byte(msg.String()))
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("send mail to %s via %s: %w", rcpt.Address, m.addr, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
