// Package notifytest is a local SMTP stand-in for tests: a real SMTP server (go-smtp) on a
// loopback port that keeps every mail it accepts, so tests exercise the whole exchange.
package notifytest

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// Mail is one message the stand-in accepted: the envelope and the message as sent.
type Mail struct {
	From string
	To   []string
	Data string
}

// Sink is the stand-in's mailbox.
type Sink struct {
	mu   sync.Mutex
	msgs []Mail
}

// Start runs a stand-in until the test ends and returns its mailbox and its smtp:// URL.
func Start(t testing.TB) (*Sink, string) {
	t.Helper()
	sink := &Sink{}
	srv := smtp.NewServer(sink)
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return sink, "smtp://" + l.Addr().String()
}

// Mails returns a copy of what the stand-in accepted, in order.
func (s *Sink) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.msgs...)
}

// NewSession implements smtp.Backend.
func (s *Sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{sink: s}, nil }

type session struct {
	sink *Sink
	cur  Mail
}

func (s *session) Reset()                                      { s.cur = Mail{} }
func (s *session) Logout() error                               { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.cur.From = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = string(b)
	s.sink.mu.Lock()
	s.sink.msgs = append(s.sink.msgs, s.cur)
	s.sink.mu.Unlock()
	return nil
}
