package api

import (
	"net/http"

	"github.com/sleuthhq/sleuth/fetch"
)

// The fetcher's codes, for fileURL inputs.
func init() {
	registerStatus(map[string]int{
		fetch.CodeBadURL:            http.StatusBadRequest,
		fetch.CodeUnsupportedScheme: http.StatusUnprocessableEntity,
		fetch.CodeForbiddenAddress:  http.StatusForbidden,
		fetch.CodeTooLarge:          http.StatusRequestEntityTooLarge,
		fetch.CodeTimeout:           http.StatusGatewayTimeout,
		fetch.CodeUpstreamStatus:    http.StatusBadGateway,
		fetch.CodeTooManyRedirects:  http.StatusBadGateway,
		fetch.CodeFailed:            http.StatusBadGateway,
	})
}
