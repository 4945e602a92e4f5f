package jsonl

import (
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/sleuthhq/sleuth"
)

// Local serves the media files a JSONL file names by path to
// ingest.Options.Open. Import turns each local path into a file: URL (the
// absolute path of the file, which is also what the record stores as its
// image_url or animation_url, and the asset's source); Open reads such a
// URL from the JSONL file's directory, through an os.Root so that neither
// ".." nor a symbolic link reaches outside it, and only when a line of the
// file named it: a file: URL found anywhere else (in fetched metadata, say)
// is refused. URLs of any other scheme are left to the Fetcher.
type Local struct {
	dir      string
	root     *os.Root
	maxBytes int64

	mu      sync.Mutex
	allowed map[string]bool // file: URLs named by lines
}

// NewLocal returns a Local for the media beside the JSONL file at path,
// reading files of at most maxBytes (<= 0: DefaultMaxMediaBytes). Close it
// after the import.
func NewLocal(path string, maxBytes int64) (*Local, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, sleuth.Errorf(CodeFile, "jsonl: %w", err)
	}
	dir := filepath.Dir(abs)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, sleuth.Errorf(CodeFile, "jsonl: %w", err)
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMediaBytes
	}
	return &Local{dir: dir, root: root, maxBytes: maxBytes, allowed: map[string]bool{}}, nil
}

// Close releases the directory.
func (l *Local) Close() error { return l.root.Close() }

// url returns the file: URL of a checked relative path (see localPath),
// and allows Open to read it.
func (l *Local) url(rel string) string {
	u := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(l.dir, filepath.FromSlash(rel)))}).String()
	l.mu.Lock()
	l.allowed[u] = true
	l.mu.Unlock()
	return u
}

// Open is an ingest.Options.Open: it reads a file: URL that a line of the
// file named, and answers ok false for every other scheme. Errors (coded
// sleuth.jsonl.media, or sleuth.file.too_large over the size limit) fail
// that medium only.
func (l *Local) Open(_ context.Context, u string) ([]byte, bool, error) {
	if !strings.HasPrefix(u, "file:") {
		return nil, false, nil
	}
	l.mu.Lock()
	ok := l.allowed[u]
	l.mu.Unlock()
	if !ok {
		return nil, true, sleuth.Errorf(CodeMedia, "%s: a file: URL not named by the imported file is refused", short(u))
	}
	pu, err := url.Parse(u)
	if err != nil {
		return nil, true, sleuth.Errorf(CodeMedia, "%s: %w", short(u), err)
	}
	rel, err := filepath.Rel(l.dir, filepath.FromSlash(pu.Path))
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, true, sleuth.Errorf(CodeMedia, "%s is outside %s", short(u), l.dir)
	}
	b, err := l.read(rel)
	return b, true, err
}

func (l *Local) read(rel string) ([]byte, error) {
	f, err := l.root.Open(rel)
	if err != nil {
		return nil, sleuth.Errorf(CodeMedia, "media file %s: %w", rel, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, sleuth.Errorf(CodeMedia, "media file %s: %w", rel, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, sleuth.Errorf(CodeMedia, "media file %s is not a regular file", rel)
	}
	if fi.Size() > l.maxBytes {
		return nil, sleuth.Errorf(sleuth.CodeFileTooLarge, "media file %s: %d bytes is over the limit of %d", rel, fi.Size(), l.maxBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, l.maxBytes+1))
	if err != nil {
		return nil, sleuth.Errorf(CodeMedia, "media file %s: %w", rel, err)
	}
	if int64(len(b)) > l.maxBytes {
		return nil, sleuth.Errorf(sleuth.CodeFileTooLarge, "media file %s is over the limit of %d bytes", rel, l.maxBytes)
	}
	return b, nil
}
