package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/sleuthhq/sleuth"
)

// Limits on request bodies other than uploaded files.
const (
	maxJSONBody   = 1 << 20  // a JSON request body
	maxFieldBytes = 64 << 10 // one multipart or form field
	maxFields     = 1000     // fields in one request
)

// input is a request's parsed parameters: JSON members, form or multipart
// fields, query parameters, and at most one uploaded file.
type input struct {
	values map[string]json.RawMessage // JSON members; form values are JSON strings
	file   *upload
}

// upload is an uploaded file, in memory or spooled to a temporary file.
type upload struct {
	field string
	name  string
	data  []byte // nil when spooled
	path  string // temporary file, removed by input.close
	size  int64
}

// close removes a spooled upload.
func (in *input) close() {
	if in != nil && in.file != nil && in.file.path != "" {
		os.Remove(in.file.path)
	}
}

// parseInput reads the request's parameters. Files are taken from the
// multipart fields named in fileFields ("file", "asset"). Query parameters
// are read too; body members win over them.
func (s *Server) parseInput(r *http.Request, fileFields ...string) (*input, error) {
	in := &input{values: map[string]json.RawMessage{}}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			in.setString(k, vs[len(vs)-1])
		}
	}
	if r.Body == nil || r.Body == http.NoBody || (r.ContentLength == 0 && r.Header.Get("Content-Type") == "") {
		return in, nil
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, sleuth.Errorf(CodeUnsupportedContentType, "send application/json or multipart/form-data (Content-Type %q)", r.Header.Get("Content-Type"))
	}
	switch mt {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
		if err != nil {
			return nil, sleuth.Errorf(CodeBadJSON, "read body: %w", err)
		}
		if len(body) > maxJSONBody {
			return nil, sleuth.Errorf(sleuth.CodeFileTooLarge, "JSON body over %d bytes; upload files as multipart/form-data", maxJSONBody)
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return in, nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, sleuth.Errorf(CodeBadJSON, "body is not a JSON object: %w", err)
		}
		for k, v := range m {
			in.values[k] = v
		}
		return in, nil
	case "multipart/form-data":
		if params["boundary"] == "" {
			return nil, sleuth.Errorf(CodeBadJSON, "multipart body without a boundary")
		}
		err := s.readMultipart(r, in, fileFields)
		if err != nil {
			in.close()
			return nil, err
		}
		return in, nil
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(nil, r.Body, maxJSONBody)
		if err := r.ParseForm(); err != nil {
			return nil, sleuth.Errorf(CodeBadJSON, "form body: %w", err)
		}
		for k, vs := range r.PostForm {
			in.setString(k, vs[len(vs)-1])
		}
		return in, nil
	}
	return nil, sleuth.Errorf(CodeUnsupportedContentType, "send application/json or multipart/form-data, not %s", mt)
}

func (in *input) setString(k, v string) {
	b, _ := json.Marshal(v)
	in.values[k] = b
}

func (s *Server) readMultipart(r *http.Request, in *input, fileFields []string) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return sleuth.Errorf(CodeBadJSON, "multipart body: %w", err)
	}
	isFile := func(name string) bool {
		for _, f := range fileFields {
			if name == f {
				return true
			}
		}
		return false
	}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return sleuth.Errorf(CodeBadJSON, "multipart body: %w", err)
		}
		if n >= maxFields {
			return sleuth.Errorf(CodeBadJSON, "more than %d multipart fields", maxFields)
		}
		name := part.FormName()
		if isFile(name) {
			if in.file != nil {
				return sleuth.Errorf(sleuth.CodeBadRequest, "more than one file uploaded; send one")
			}
			up, err := s.spool(part, name)
			if err != nil {
				return err
			}
			in.file = up
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return sleuth.Errorf(CodeBadJSON, "multipart field %q: %w", name, err)
		}
		if len(v) > maxFieldBytes {
			return sleuth.Errorf(sleuth.CodeBadRequest, "field %q over %d bytes", name, maxFieldBytes)
		}
		in.setString(name, string(v))
	}
}

// spool reads an uploaded file: in memory up to MemoryUploadBytes, then in
// a temporary file, failing past MaxUploadBytes.
func (s *Server) spool(part io.Reader, field string) (*upload, error) {
	up := &upload{field: field}
	if p, ok := part.(interface{ FileName() string }); ok {
		up.name = p.FileName()
	}
	buf := make([]byte, 0, 64<<10)
	head := bytes.NewBuffer(buf)
	n, err := io.Copy(head, io.LimitReader(part, s.cfg.MemoryUploadBytes+1))
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeFileUnreadable, "reading the upload: %w", err)
	}
	if n <= s.cfg.MemoryUploadBytes {
		up.data, up.size = head.Bytes(), n
		return up, nil
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "sleuth-upload-*")
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeInternal, "spooling the upload: %w", err)
	}
	defer f.Close()
	up.path = f.Name()
	total, err := io.Copy(f, io.MultiReader(head, io.LimitReader(part, s.cfg.MaxUploadBytes-n+1)))
	if err == nil && total > s.cfg.MaxUploadBytes {
		err = sleuth.Errorf(sleuth.CodeFileTooLarge, "uploaded file is over the limit of %d bytes", s.cfg.MaxUploadBytes)
	}
	if err != nil {
		os.Remove(up.path)
		if sleuth.ErrorCode(err) == sleuth.CodeInternal {
			err = sleuth.Errorf(sleuth.CodeFileUnreadable, "reading the upload: %w", err)
		}
		return nil, err
	}
	up.size = total
	return up, nil
}

// has reports whether a parameter was given (and is not JSON null).
func (in *input) has(k string) bool {
	v, ok := in.values[k]
	return ok && string(v) != "null"
}

// str returns a string parameter ("" when absent).
func (in *input) str(k string) (string, error) {
	if !in.has(k) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(in.values[k], &s); err != nil {
		return "", sleuth.Errorf(sleuth.CodeBadRequest, "%s must be a string", k)
	}
	return s, nil
}

// firstStr returns the first of the named string parameters (aliases of
// one field, e.g. token_id and tokenId) that is not blank, trimmed; "" when
// none is given.
func (in *input) firstStr(names ...string) (string, error) {
	for _, n := range names {
		v, err := in.str(n)
		if err != nil {
			return "", err
		}
		if v = strings.TrimSpace(v); v != "" {
			return v, nil
		}
	}
	return "", nil
}

// float returns a number parameter (a JSON number or a numeric string).
func (in *input) float(k string, def float64) (float64, error) {
	if !in.has(k) {
		return def, nil
	}
	var f float64
	if err := json.Unmarshal(in.values[k], &f); err == nil {
		return f, nil
	}
	s, err := in.str(k)
	if err == nil {
		if f, err = strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return f, nil
		}
	}
	return 0, sleuth.Errorf(sleuth.CodeBadRequest, "%s must be a number", k)
}

// integer returns an integer parameter.
func (in *input) integer(k string, def int) (int, error) {
	f, err := in.float(k, float64(def))
	if err != nil || f != float64(int(f)) {
		return 0, sleuth.Errorf(sleuth.CodeBadRequest, "%s must be an integer", k)
	}
	return int(f), nil
}

// boolean returns a boolean parameter (JSON true/false or "true"/"false"/"1"/"0").
func (in *input) boolean(k string) (bool, error) {
	if !in.has(k) {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(in.values[k], &b); err == nil {
		return b, nil
	}
	s, err := in.str(k)
	if err == nil {
		if b, err = strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			return b, nil
		}
	}
	return false, sleuth.Errorf(sleuth.CodeBadRequest, "%s must be true or false", k)
}

// list returns a list of strings given as a JSON array, as a string holding
// a JSON array (what `curl -F 'excludedContracts=["0x.."]'` sends), or as a
// comma-separated string.
func (in *input) list(k string) ([]string, error) {
	if !in.has(k) {
		return nil, nil
	}
	var l []string
	if err := json.Unmarshal(in.values[k], &l); err == nil {
		return l, nil
	}
	s, err := in.str(k)
	if err != nil {
		return nil, sleuth.Errorf(sleuth.CodeBadRequest, "%s must be a list of strings", k)
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			return nil, sleuth.Errorf(sleuth.CodeBadRequest, "%s must be a JSON list of strings", k)
		}
		return l, nil
	}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			l = append(l, f)
		}
	}
	return l, nil
}

// media is the file a request is about: uploaded or fetched.
type media struct {
	data []byte
	path string
	// source describes where it came from: "upload" or the URL.
	source string
}

// media returns the uploaded file or the one at fileURL. Errors:
// sleuth.request.no_input when there is neither; the fetcher's errors.
func (s *Server) media(ctx context.Context, in *input, urlField string) (*media, error) {
	if in.file != nil {
		return &media{data: in.file.data, path: in.file.path, source: "upload"}, nil
	}
	u, err := in.str(urlField)
	if err != nil {
		return nil, err
	}
	if u == "" {
		return nil, errNoInput
	}
	if s.fetcher == nil {
		return nil, sleuth.Errorf(sleuth.CodeBadRequest, "this server does not fetch URLs")
	}
	res, err := s.fetcher.Fetch(ctx, u)
	if err != nil {
		return nil, err
	}
	return &media{data: res.Body, source: u}, nil
}

var errNoInput = sleuth.Errorf(CodeNoInput, "no input: upload a file (multipart field \"file\") or give fileURL")

// isNoInput reports whether err is the no-input error.
func isNoInput(err error) bool { return errors.Is(err, errNoInput) }
