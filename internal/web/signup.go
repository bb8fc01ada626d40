package web

import (
	"net/http"

	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/httpx"
)

// Residents sign up with an e-mail address proved by a mailed code (people.RequestSignupCode,
// people.SignUp): the address first, then the code with a username and password, which signs
// them in.
func (h *Handler) signupRoutes() {
	h.mux.HandleFunc("GET /signup", h.signupForm)
	h.mux.HandleFunc("POST /signup", h.signupCode)
	h.mux.HandleFunc("POST /signup/verify", h.signup)
}

type signupBody struct {
	Email       string
	Sent        bool // the code is on its way: the second step shows
	Username    string
	DisplayName string
}

func (h *Handler) showSignup(w http.ResponseWriter, r *http.Request, status int, b signupBody, problem, notice string) {
	h.render(w, r, status, "signup.html", &page{Title: h.cat.T(h.lang(r), "signup.title"), Error: problem, Notice: notice, Body: b})
}

func (h *Handler) signupForm(w http.ResponseWriter, r *http.Request) {
	h.showSignup(w, r, http.StatusOK, signupBody{}, "", "")
}

// signupCode mails a code to the address given.
func (h *Handler) signupCode(w http.ResponseWriter, r *http.Request) {
	b := signupBody{Email: r.PostFormValue("email")}
	if err := h.app.People.RequestSignupCode(r.Context(), b.Email); err != nil {
		if statusOf(err) >= 500 {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showSignup(w, r, statusOf(err), b, h.problem(r, err), "")
		return
	}
	b.Sent = true
	h.showSignup(w, r, http.StatusOK, b, "", h.cat.T(h.lang(r), "signup.sent"))
}

// signup creates the account with the code and signs it in.
func (h *Handler) signup(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	b := signupBody{Email: f.Get("email"), Sent: true, Username: f.Get("username"), DisplayName: f.Get("display_name")}
	s, err := h.app.People.SignUp(r.Context(), people.NewResident{Email: b.Email, Code: f.Get("code"), Username: b.Username,
		DisplayName: b.DisplayName, Password: f.Get("password")})
	if err != nil {
		if statusOf(err) >= 500 {
			h.errorPage(w, r, 0, err)
			return
		}
		h.showSignup(w, r, statusOf(err), b, h.problem(r, err), "")
		return
	}
	httpx.SetSession(w, r, h.cfg.SecureCookies, s.Secret, s.ExpiresAt)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
