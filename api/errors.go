package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
)

// statusOf maps every stable error code to its one HTTP status. Codes not
// listed are 500.
var statusOf = map[string]int{
	sleuth.CodeBadRequest:          http.StatusBadRequest,
	sleuth.CodeFileUnreadable:      http.StatusBadRequest,
	sleuth.CodeInvalidFingerprint:  http.StatusBadRequest,
	CodeNoInput:                    http.StatusBadRequest,
	CodeBadJSON:                    http.StatusBadRequest,
	accounts.CodeUnauthenticated:   http.StatusUnauthorized,
	sleuth.CodeCreditsInsufficient: http.StatusPaymentRequired,
	accounts.CodeForbidden:         http.StatusForbidden,
	sleuth.CodeAssetNotFound:       http.StatusNotFound,
	sleuth.CodeNFTNotFound:         http.StatusNotFound,
	sleuth.CodeCollectionNotFound:  http.StatusNotFound,
	sleuth.CodeAccountNotFound:     http.StatusNotFound,
	sleuth.CodeKeyNotFound:         http.StatusNotFound,
	sleuth.CodeOrderNotFound:       http.StatusNotFound,
	sleuth.CodeStolenNotFound:      http.StatusNotFound,
	CodeNotFound:                   http.StatusNotFound,
	CodeMethodNotAllowed:           http.StatusMethodNotAllowed,
	sleuth.CodeOrderState:          http.StatusConflict,
	sleuth.CodeStolenState:         http.StatusConflict,
	sleuth.CodeFileTooLarge:        http.StatusRequestEntityTooLarge,
	sleuth.CodeImageTooLarge:       http.StatusRequestEntityTooLarge,
	sleuth.CodeUnsupportedType:     http.StatusUnsupportedMediaType,
	CodeUnsupportedContentType:     http.StatusUnsupportedMediaType,
	sleuth.CodeImageCorrupt:        http.StatusUnprocessableEntity,
	sleuth.CodeImageEmpty:          http.StatusUnprocessableEntity,
	sleuth.CodeDecodeTimeout:       http.StatusUnprocessableEntity,
	sleuth.CodeStoreInvalid:        http.StatusUnprocessableEntity,
	CodeRateLimited:                http.StatusTooManyRequests,
	CodeTimeout:                    http.StatusServiceUnavailable,
	sleuth.CodeStoreFailed:         http.StatusInternalServerError,
	sleuth.CodeInternal:            http.StatusInternalServerError,
}

// Error codes of the HTTP layer itself.
const (
	CodeNoInput                = "sleuth.request.no_input"          // 400: no file, fileURL or fingerprint given
	CodeBadJSON                = "sleuth.request.bad_json"          // 400: the body is not valid JSON for this endpoint
	CodeUnsupportedContentType = "sleuth.request.unsupported_media" // 415: neither JSON nor multipart
	CodeNotFound               = "sleuth.route.not_found"           // 404: no such endpoint
	CodeMethodNotAllowed       = "sleuth.route.method_not_allowed"  // 405
	CodeRateLimited            = "sleuth.ratelimit.exceeded"        // 429
	CodeTimeout                = "sleuth.request.timeout"           // 503: the request ran past its time limit
)

// RegisterStatus adds codes from other packages (the fetcher's) to the
// table. It is called at init time only.
func registerStatus(codes map[string]int) {
	for c, s := range codes {
		statusOf[c] = s
	}
}

// Status returns the HTTP status for err.
func Status(err error) int {
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable
	}
	if s, ok := statusOf[sleuth.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the one JSON shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes an error.
type ErrorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// writeError writes err in the error shape. Internal errors get a generic
// message (the cause goes to the log, with the request id).
//
// On routes registered with their own code names (routeCodes), a code with
// a translation is reported under that name: Verbitas clients see
// verbitas.lookup.no_input where Sleuth says sleuth.request.no_input.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	code := sleuth.ErrorCode(err)
	msg := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		code, msg = CodeTimeout, "the request ran past its time limit"
	}
	if names, ok := r.Context().Value(codeMapKey).(map[string]string); ok && names[code] != "" {
		code = names[code]
	}
	if status == http.StatusInternalServerError {
		msg = "internal error; quote the request id to the operator"
	}
	writeJSON(w, status, ErrorBody{ErrorDetail{Code: code, Message: msg, RequestID: requestID(r.Context())}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
