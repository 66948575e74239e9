package web

import (
	"net/http"
	"strings"

	"github.com/oss-sirt/sirt/internal/cases"
)

// caseClose closes (or, at /reopen, reopens) a case from the form on its page.
func (h *Handlers) caseClose(w http.ResponseWriter, r *http.Request) error {
	a, err := requireUser(r)
	if err != nil {
		return err
	}
	in := cases.CloseInput{Reason: r.PostFormValue("reason")}
	if strings.HasSuffix(r.URL.Path, "/reopen") {
		if _, err := h.app.Cases.Reopen(r.Context(), a, r.PathValue("id"), in); err != nil {
			return err
		}
		return h.caseDone(w, r, "The case is open again.")
	}
	if _, err := h.app.Cases.Close(r.Context(), a, r.PathValue("id"), in); err != nil {
		return err
	}
	return h.caseDone(w, r, "The case is closed.")
}
