// Package httperr is the one mapping from domain errors to HTTP answers, used by both
// edges: internal/api turns a Problem into application/problem+json, internal/web into
// an error page. A new kind of domain error gets its status here, once.
package httperr

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/oss-sirt/sirt/internal/account"
	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/idem"
	"github.com/oss-sirt/sirt/internal/validate"
)

// Problem is how an error is answered.
type Problem struct {
	Status int
	// Detail is safe to show the client. For 404 it says nothing about whether the
	// object exists; for 500 it is empty (the error is logged, not shown).
	Detail string
	// Fields are the invalid fields of a 422, each named.
	Fields validate.Errors
	// RetryAfter is set for 429: how long the caller should wait (the Retry-After header).
	RetryAfter time.Duration
}

// Rule is implemented by domain errors that report a broken state rule ("the case is
// closed", "the public date has not come"): 409 Conflict.
type Rule interface{ Rule() string }

// Map classifies err:
//
//	validate.Errors                          422 Unprocessable Entity, with the fields
//	authz.ErrUnauthenticated, ErrNoSession   401 (the web sends the sign-in page)
//	authz.ErrForbidden, ErrReadInRequired    403
//	db.ErrNotFound (also "not allowed to know") 404
//	db.ErrConflict, a Rule, idem.ErrReplay   409
//	a validate error that is TooLarge        413, with the field
//	*http.MaxBytesError                      413
//	account.ErrRateLimited                   429
//	anything else                            500
func Map(err error) Problem {
	if err == nil {
		return Problem{Status: http.StatusOK}
	}
	// A field error that is about size (an attachment over the limit) is 413, with the field.
	var tooLarge interface{ TooLarge() bool }
	if fe, ok := validate.As(err); ok && errors.As(err, &tooLarge) && tooLarge.TooLarge() {
		return Problem{Status: http.StatusRequestEntityTooLarge, Detail: "the upload is too large: " + fe.Error(), Fields: fe}
	}
	if fe, ok := validate.As(err); ok {
		return Problem{Status: http.StatusUnprocessableEntity, Detail: fe.Error(), Fields: fe}
	}
	var mbe *http.MaxBytesError
	var rule Rule
	switch {
	case errors.Is(err, authz.ErrUnauthenticated), errors.Is(err, account.ErrNoSession):
		return Problem{Status: http.StatusUnauthorized, Detail: "sign-in required"}
	case errors.Is(err, db.ErrNotFound):
		return Problem{Status: http.StatusNotFound, Detail: "not found"}
	case errors.Is(err, authz.ErrReadInRequired), errors.Is(err, authz.ErrForbidden):
		return Problem{Status: http.StatusForbidden, Detail: err.Error()}
	case errors.Is(err, db.ErrConflict), errors.As(err, &rule), errors.Is(err, idem.ErrReplay):
		return Problem{Status: http.StatusConflict, Detail: err.Error()}
	case errors.As(err, &mbe):
		return Problem{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("the request body is larger than the limit of %d bytes", mbe.Limit)}
	case errors.Is(err, account.ErrRateLimited):
		return Problem{Status: http.StatusTooManyRequests, Detail: err.Error(), RetryAfter: account.RetryAfter(err)}
	}
	return Problem{Status: http.StatusInternalServerError}
}

// IsRule says whether err breaks a state rule (a 409), for forms that show it next to
// the user's input instead of on an error page.
func IsRule(err error) bool {
	var r Rule
	return errors.As(err, &r)
}
