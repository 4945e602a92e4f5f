package sleuth

import (
	"errors"
	"fmt"
)

// Error is an error with a stable, machine-readable code such as
// "sleuth.image.too_large". Codes never change once published; messages may.
// Every error that reaches a user (CLI or HTTP) is, or wraps, an *Error.
type Error struct {
	Code    string // stable code, dotted, lower case
	Message string // human readable, may change between versions
	Err     error  // underlying cause, if any
}

// Error returns the message, which already describes the cause when the
// error was made by Errorf with %w.
func (e *Error) Error() string { return e.Message }

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, sleuth.ErrImageTooLarge) works on any error built with Errorf.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errorf returns an *Error with the given code and a formatted message. A %w
// verb in format wraps its argument as the cause.
func Errorf(code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// ErrorCode returns the stable code of err: the code of the first *Error in its
// chain, or CodeInternal when there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Stable error codes. Each maps to exactly one HTTP status (see docs/API.md).
const (
	CodeInternal = "sleuth.internal" // 500: a bug or an unexpected failure

	// Input files and images.
	CodeFileUnreadable     = "sleuth.file.unreadable"     // 400: the file cannot be opened or read
	CodeFileTooLarge       = "sleuth.file.too_large"      // 413: the file is over the byte limit
	CodeUnsupportedType    = "sleuth.image.unsupported"   // 415: not a supported image format
	CodeImageCorrupt       = "sleuth.image.corrupt"       // 422: a supported format, but truncated or malformed
	CodeImageTooLarge      = "sleuth.image.too_large"     // 413: declared dimensions over the pixel limit
	CodeImageEmpty         = "sleuth.image.empty"         // 422: zero width or height
	CodeDecodeTimeout      = "sleuth.image.timeout"       // 422: decoding took longer than the time limit
	CodeInvalidFingerprint = "sleuth.fingerprint.invalid" // 400: a hash string that does not parse

	// Stored things.
	CodeAssetNotFound      = "sleuth.asset.not_found"      // 404
	CodeNFTNotFound        = "sleuth.nft.not_found"        // 404
	CodeCollectionNotFound = "sleuth.collection.not_found" // 404
	CodeStolenNotFound     = "sleuth.stolen.not_found"     // 404: no such stolen report
	CodeStolenState        = "sleuth.stolen.state"         // 409: the report is not open
	CodeStoreInvalid       = "sleuth.store.invalid"        // 422: a record missing required fields
	CodeStoreFailed        = "sleuth.store.failed"         // 500: the database failed

	// Requests, accounts and billing.
	CodeBadRequest          = "sleuth.request.invalid"      // 400: a malformed request
	CodeAccountNotFound     = "sleuth.account.not_found"    // 404
	CodeKeyNotFound         = "sleuth.key.not_found"        // 404
	CodeOrderNotFound       = "sleuth.order.not_found"      // 404
	CodeOrderState          = "sleuth.order.state"          // 409: the order is not in a state that allows this
	CodeCreditsInsufficient = "sleuth.credits.insufficient" // 402: the balance does not cover the price
)

// Sentinel errors for errors.Is; they compare by code only.
var (
	ErrFileTooLarge       = &Error{Code: CodeFileTooLarge, Message: "file too large"}
	ErrUnsupportedType    = &Error{Code: CodeUnsupportedType, Message: "unsupported file type"}
	ErrImageCorrupt       = &Error{Code: CodeImageCorrupt, Message: "corrupt image"}
	ErrImageTooLarge      = &Error{Code: CodeImageTooLarge, Message: "image too large"}
	ErrImageEmpty         = &Error{Code: CodeImageEmpty, Message: "empty image"}
	ErrAssetNotFound      = &Error{Code: CodeAssetNotFound, Message: "asset not found"}
	ErrNFTNotFound        = &Error{Code: CodeNFTNotFound, Message: "NFT not found"}
	ErrCollectionNotFound = &Error{Code: CodeCollectionNotFound, Message: "collection not found"}
)
