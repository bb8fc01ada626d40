package notify_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/citygrid/citygrid/internal/notify"
)

// server is a real SMTP server (go-smtp) on loopback that keeps what it accepts and can be made
// to stall at RCPT until released, as a slow or hung relay does.
type server struct {
	mu      sync.Mutex
	msgs    []string
	stall   chan struct{} // non-nil: RCPT waits for it to close
	stalled chan struct{} // closed when a RCPT starts waiting
}

func (s *server) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }

type session struct{ srv *server }

func (*session) Reset()                               {}
func (*session) Logout() error                        { return nil }
func (*session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(string, *smtp.RcptOptions) error {
	if s.srv.stall != nil {
		close(s.srv.stalled)
		<-s.srv.stall
	}
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, string(b))
	s.srv.mu.Unlock()
	return nil
}

func (s *server) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

func start(t *testing.T, s *server) string {
	t.Helper()
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return "smtp://" + l.Addr().String()
}

func TestSendDeliversOneMessage(t *testing.T) {
	s := &server{}
	m, err := notify.NewSMTPMailer(start(t, s), "citygrid <noreply@city.example>")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(t.Context(), "chief@cgj.example", "案件超时 20260310-000001", "第一行\n第二行"); err != nil {
		t.Fatal(err)
	}
	got := s.received()
	if len(got) != 1 || !strings.Contains(got[0], "第一行\r\n第二行") || !strings.Contains(got[0], "Subject: =?utf-8?q?") {
		t.Fatalf("received %q, want one message with the body's lines in CRLF and an encoded subject", got)
	}
}

// A send that runs out of time returns at its deadline, and nothing of it goes out afterwards:
// a retry of the delivery is then the only copy.
func TestSendGivesUpAtTheDeadlineAndSendsNothingLater(t *testing.T) {
	s := &server{stall: make(chan struct{}), stalled: make(chan struct{})}
	m, err := notify.NewSMTPMailer(start(t, s), "citygrid <noreply@city.example>")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	begun := time.Now()
	err = m.Send(ctx, "chief@cgj.example", "subject", "body")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send = %v, want the deadline's error", err)
	}
	if took := time.Since(begun); took > 5*time.Second {
		t.Fatalf("Send returned after %s, long past its deadline", took)
	}
	<-s.stalled
	close(s.stall) // the relay wakes up: the client must be gone by now
	time.Sleep(200 * time.Millisecond)
	if got := s.received(); len(got) != 0 {
		t.Fatalf("after Send gave up the server still received %d message(s)", len(got))
	}
}

func TestNewSMTPMailerRefusesBadURLs(t *testing.T) {
	for _, bad := range []string{"", "http://mail.example", "smtp://", "mail.example:25", "smtp://%zz"} {
		if _, err := notify.NewSMTPMailer(bad, "a@b.example"); err == nil {
			t.Errorf("NewSMTPMailer(%q) accepted", bad)
		}
	}
	if _, err := notify.NewSMTPMailer("smtp://mail.example", "not an address"); err == nil {
		t.Error("a sender that is no address was accepted")
	}
}

// A password goes only over TLS: a server without STARTTLS gets no AUTH at all.
func TestNoPasswordWithoutTLS(t *testing.T) {
	s := &server{}
	url := strings.Replace(start(t, s), "smtp://", "smtp://user:secret@", 1)
	m, err := notify.NewSMTPMailer(url, "a@b.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(t.Context(), "c@d.example", "s", "b"); err == nil || !strings.Contains(err.Error(), "clear") {
		t.Fatalf("Send = %v, want a refusal to send the password in the clear", err)
	}
	if got := s.received(); len(got) != 0 {
		t.Fatalf("received %d message(s)", len(got))
	}
}
