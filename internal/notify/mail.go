// Package notify carries notices out of the process: e-mail over SMTP and signed webhook
// posts. What to send and to whom is decided by the notices use cases; this package only
// delivers, and every delivery is bounded by its context.
package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mailer sends one e-mail, with any extra headers (such as List-Unsubscribe). Tests use a real
// local SMTP server.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string, extra ...Header) error
}

// Header is one extra header line of a mail. Its name must be a header field name and its value
// one line of printable ASCII: a value that could end the header (CR, LF) is refused, not sent.
type Header struct {
	Name, Value string
}

func (h Header) check() error {
	if h.Name == "" || strings.IndexFunc(h.Name, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == ':' }) >= 0 ||
		strings.IndexFunc(h.Value, func(r rune) bool { return r < ' ' || r >= 0x7f }) >= 0 {
		return fmt.Errorf("header %q: not a header name and one line of printable ASCII", h.Name)
	}
	return nil
}

// SMTPMailer sends e-mail through an SMTP server: STARTTLS when the server offers it (smtp://)
// or TLS from the start (smtps://), PLAIN authentication when the URL carries a user.
type SMTPMailer struct {
	addr      string // host:port
	host      string
	implicit  bool // smtps: TLS from the first byte
	from      mail.Address
	user, pwd string
}

// NewSMTPMailer reads a server URL, smtp://[user:password@]host[:port] (port 25 by default) or
// smtps://… (port 465), and the sender address.
func NewSMTPMailer(server, from string) (*SMTPMailer, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("mail server must be smtp://[user:password@]host[:port] or smtps://…, not %q", server)
	}
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail sender %q: %w", from, err)
	}
	m := &SMTPMailer{host: u.Hostname(), implicit: u.Scheme == "smtps", from: *sender}
	port := u.Port()
	switch {
	case port != "":
	case m.implicit:
		port = "465"
	default:
		port = "25"
	}
	m.addr = net.JoinHostPort(u.Hostname(), port)
	if u.User != nil {
		m.user = u.User.Username()
		m.pwd, _ = u.User.Password()
	}
	return m, nil
}

// Send mails one plain-text UTF-8 message. The whole exchange runs on this goroutine over a
// connection whose deadline is the context's, and cancelling the context breaks the
// connection: when Send returns nothing of this message is still on its way, so a retry after
// a timeout cannot send the mail a second time behind our back.
func (m *SMTPMailer) Send(ctx context.Context, to, subject, body string, extra ...Header) error {
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("recipient %q: %w", to, err)
	}
	for _, h := range extra {
		if err := h.check(); err != nil {
			return err
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Minute)
		defer cancel()
	}
	if err := m.send(ctx, rcpt.Address, m.message(rcpt, subject, body, extra)); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return fmt.Errorf("send mail to %s via %s: %w", rcpt.Address, m.addr, err)
	}
	return nil
}

func (m *SMTPMailer) message(rcpt *mail.Address, subject, body string, extra []Header) string {
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	domain := m.from.Address[strings.LastIndexByte(m.from.Address, '@')+1:]
	var msg strings.Builder
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n", m.from.String(), rcpt.String(),
		mime.QEncoding.Encode("utf-8", subject), time.Now().Format(time.RFC1123Z), hex.EncodeToString(id), domain)
	for _, h := range extra {
		fmt.Fprintf(&msg, "%s: %s\r\n", h.Name, h.Value)
	}
	msg.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	msg.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	return msg.String()
}

func (m *SMTPMailer) send(ctx context.Context, rcpt, msg string) error {
	mode := modeImplicitTLS
	if !m.implicit {
		// go-smtp starts TLS only on a client that has not spoken yet, so ask first on a
		// connection of its own whether the server offers it.
		offered, err := m.offersStartTLS(ctx)
		if err != nil {
			return err
		}
		mode = modePlain
		if offered {
			mode = modeStartTLS
		}
	}
	return m.exchange(ctx, rcpt, msg, mode)
}

type tlsMode int

const (
	modeStartTLS tlsMode = iota
	modeImplicitTLS
	modePlain // a relay without STARTTLS (on the same host, say): never given a password
)

// dial connects with the context's deadline on every read and write; cancelling the context
// breaks the connection at once. The returned stop must be called when done.
func (m *SMTPMailer) dial(ctx context.Context, implicitTLS bool) (net.Conn, func() bool, error) {
	var conn net.Conn
	var err error
	if implicitTLS {
		conn, err = (&tls.Dialer{Config: m.tlsConfig()}).DialContext(ctx, "tcp", m.addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", m.addr)
	}
	if err != nil {
		return nil, nil, err
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	return conn, context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) }), nil
}

func (m *SMTPMailer) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: m.host, MinVersion: tls.VersionTLS12}
}

func (m *SMTPMailer) offersStartTLS(ctx context.Context) (bool, error) {
	conn, stop, err := m.dial(ctx, false)
	if err != nil {
		return false, err
	}
	defer stop()
	c := smtp.NewClient(conn)
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return false, err
	}
	ok, _ := c.Extension("STARTTLS")
	return ok, c.Quit()
}

func (m *SMTPMailer) exchange(ctx context.Context, rcpt, msg string, mode tlsMode) error {
	if m.user != "" && mode == modePlain {
		return errors.New("the server offers no STARTTLS: refusing to send the password in the clear")
	}
	conn, stop, err := m.dial(ctx, mode == modeImplicitTLS)
	if err != nil {
		return err
	}
	defer stop()
	var c *smtp.Client
	if mode == modeStartTLS {
		if c, err = smtp.NewClientStartTLS(conn, m.tlsConfig()); err != nil {
			conn.Close()
			return err
		}
	} else {
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if m.user != "" {
		if err := c.Auth(sasl.NewPlainClient("", m.user, m.pwd)); err != nil {
			return err
		}
	}
	if err := c.SendMail(m.from.Address, []string{rcpt}, strings.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}
