package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Flash messages ("Saved.") travel from a POST to the page it redirects to in a signed,
// one-time cookie: never in the URL, where anyone could write a link that shows any text
// on this site's pages. The next page of the same browser shows it and clears it.

const flashCookie = "sirt_flash"

type flashKey struct{}

// redirectFlash redirects to (303) with msg shown once on the next page.
func (h *Handlers) redirectFlash(w http.ResponseWriter, r *http.Request, to, msg string) {
	h.setFlash(w, msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (h *Handlers) setFlash(w http.ResponseWriter, msg string) {
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: h.signFlash(msg), Path: "/", HttpOnly: true, Secure: h.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 120})
}

func (h *Handlers) signFlash(msg string) string {
	mac := hmac.New(sha256.New, h.ticketKey)
	mac.Write([]byte("flash\x00" + msg))
	return base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (h *Handlers) openFlash(v string) (string, bool) {
	msgB64, sigB64, ok := strings.Cut(v, ".")
	if !ok {
		return "", false
	}
	msg, err1 := base64.RawURLEncoding.DecodeString(msgB64)
	sig, err2 := base64.RawURLEncoding.DecodeString(sigB64)
	if err1 != nil || err2 != nil || !utf8.Valid(msg) {
		return "", false
	}
	mac := hmac.New(sha256.New, h.ticketKey)
	mac.Write([]byte("flash\x00"))
	mac.Write(msg)
	if !hmac.Equal(sig, mac.Sum(nil)) {
		return "", false
	}
	return string(msg), true
}

// takeFlash moves a flash cookie into the request context and clears it, so a page
// shows it once. Only GET pages take it (a form POST redirects and sets its own).
func (h *Handlers) takeFlash(w http.ResponseWriter, r *http.Request) *http.Request {
	if r.Method != http.MethodGet {
		return r
	}
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return r
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	msg, ok := h.openFlash(c.Value)
	if !ok {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), flashKey{}, msg))
}

func flashFrom(ctx context.Context) string { s, _ := ctx.Value(flashKey{}).(string); return s }
