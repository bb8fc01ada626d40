package web_test

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/citygrid/citygrid/internal/app"
	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/server"
	"github.com/citygrid/citygrid/internal/web"
)

// newFront serves the pages behind the front door, beside the API, as `citygrid serve` wires them.
func newFront(t *testing.T, a *app.App, log *slog.Logger) http.Handler {
	t.Helper()
	h, err := server.New(server.Config{App: a, Logger: log, Version: "test", Web: &web.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestSignInInABrowser(t *testing.T) {
	s := newSite(t)
	b := newBrowser(t)
	op := b.person(t, "operator", false)
	op.do(chromedp.Navigate(s.URL+"/login"),
		chromedp.SendKeys(chromedp.ID("username"), "operator"),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("who")))
	op.shot("signed-in")
	if got := op.text("#who"); got != "operator" {
		t.Errorf("signed in as %q, want operator", got)
	}
	op.noConsoleErrors()
}
