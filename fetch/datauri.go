package fetch

import (
	"encoding/base64"
	"strings"
)

// maxDataHeader bounds the part of a data: URI before the comma.
const maxDataHeader = 1024

// parseDataURI decodes a data: URI (RFC 2397):
//
//	data:[<media type>][;<param>...][;base64],<data>
//
// It returns the media type with its parameters (";base64" removed; the
// type and subtype lower-cased; "text/plain;charset=US-ASCII" when absent,
// as the RFC says) and the decoded bytes. The data is percent-decoded; with
// ";base64" it is then decoded as base64, white space ignored and padding
// optional (as browsers do). A body of more than limit bytes fails with
// CodeTooLarge, found before the body is allocated.
func parseDataURI(s string, limit int64) (mediaType string, body []byte, err error) {
	scheme, rest, ok := splitScheme(s)
	if !ok || scheme != "data" {
		return "", nil, errorf(CodeBadURL, "not a data: URI")
	}
	mediaType, isBase64, data, err := parseDataHeader(rest)
	if err != nil {
		return "", nil, err
	}
	if isBase64 {
		body, err = decodeDataBase64(data, limit)
	} else {
		body, err = decodePercent(data, limit)
	}
	if err != nil {
		return "", nil, err
	}
	return mediaType, body, nil
}

// parseDataHeader splits what follows "data:" into the media type, whether
// the data is base64 and the data itself.
func parseDataHeader(rest string) (mediaType string, isBase64 bool, data string, err error) {
	header, data, ok := strings.Cut(rest, ",")
	if !ok {
		return "", false, "", errorf(CodeBadURL, "data: URI without a comma")
	}
	if len(header) > maxDataHeader {
		return "", false, "", errorf(CodeBadURL, "data: URI header over %d bytes", maxDataHeader)
	}
	params := strings.Split(header, ";")
	if n := len(params); n > 1 && strings.EqualFold(strings.TrimSpace(params[n-1]), "base64") {
		isBase64 = true
		params = params[:n-1]
	}
	typ := strings.ToLower(strings.TrimSpace(params[0]))
	out := make([]string, 1, len(params))
	for _, p := range params[1:] {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if strings.EqualFold(p, "base64") {
			return "", false, "", errorf(CodeBadURL, "data: URI: \"base64\" must be the last parameter, once")
		}
		for i := 0; i < len(p); i++ {
			if p[i] < 0x20 || p[i] >= 0x7f {
				return "", false, "", errorf(CodeBadURL, "data: URI parameter %q: invalid character", shorten(p))
			}
		}
		out = append(out, p)
	}
	if typ == "" {
		typ = "text/plain"
		if len(out) == 1 {
			out = append(out, "charset=US-ASCII")
		}
	} else if t, sub, ok := strings.Cut(typ, "/"); !ok || !isToken(t) || !isToken(sub) {
		return "", false, "", errorf(CodeBadURL, "data: URI media type %q: want type/subtype", shorten(typ))
	}
	out[0] = typ
	return strings.Join(out, ";"), isBase64, data, nil
}

// isToken reports whether s is a non-empty RFC 2045 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// decodePercent percent-decodes s into at most limit bytes; '+' stays '+'.
func decodePercent(s string, limit int64) ([]byte, error) {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return nil, errorf(CodeBadURL, "data: URI: bad percent escape")
			}
			n -= 2
			i += 2
		}
	}
	if int64(n) > limit {
		return nil, errorf(CodeTooLarge, "data: URI of %d bytes is over the limit of %d bytes", n, limit)
	}
	out := make([]byte, 0, n)
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out, nil
}

// decodeDataBase64 decodes the data of a ";base64" data: URI into at most
// limit bytes.
func decodeDataBase64(s string, limit int64) ([]byte, error) {
	tooLarge := func(n int64) error {
		return errorf(CodeTooLarge, "data: URI of %d or more bytes is over the limit of %d bytes", n, limit)
	}
	// Percent-decode and drop white space; stop as soon as the base64
	// characters gathered are surely too many.
	clean := make([]byte, 0, int(min(int64(len(s)), limit/3*4+8)))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return nil, errorf(CodeBadURL, "data: URI: bad percent escape")
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		switch c {
		case ' ', '\t', '\n', '\f', '\r':
			continue
		}
		clean = append(clean, c)
		if n := int64(len(clean)); n%4 == 0 && n/4*3-2 > limit {
			return nil, tooLarge(n/4*3 - 2)
		}
	}
	if len(clean)%4 == 0 && len(clean) > 0 && clean[len(clean)-1] == '=' {
		clean = clean[:len(clean)-1]
		if clean[len(clean)-1] == '=' {
			clean = clean[:len(clean)-1]
		}
	}
	if len(clean)%4 == 1 {
		return nil, errorf(CodeBadURL, "data: URI: bad base64 length")
	}
	n := base64.RawStdEncoding.DecodedLen(len(clean))
	if int64(n) > limit {
		return nil, tooLarge(int64(n))
	}
	out := make([]byte, n)
	if _, err := base64.RawStdEncoding.Decode(out, clean); err != nil {
		return nil, errorf(CodeBadURL, "data: URI: bad base64: %v", err)
	}
	return out, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}
