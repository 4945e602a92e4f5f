package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/engine"
)

// media resolves one media URL of rec to a registered asset.
func (p *Pipeline) media(ctx context.Context, rec *sleuth.NFTRecord, info metaInfo, u string) Media {
	m := Media{URL: u}
	var data []byte
	if p.cache != nil {
		if nid := p.cache.nid(u); nid != "" {
			has, err := p.eng.Has(ctx, nid)
			if err != nil {
				m.Err = err
				return m
			}
			if has {
				p.cached.Add(1)
				m.Nid, m.Cached = nid, true
				return m
			}
			if b, err := p.cache.blob(nid); err == nil {
				data, m.Cached = b, true
				p.cached.Add(1)
			}
		}
	}
	if data == nil {
		b, err := p.fetch(ctx, u)
		if err != nil {
			m.Err = err
			return m
		}
		data = b
	}
	tree := sleuth.AssetTree{
		CreatorWallet:   rec.Creator,
		AssetSourceType: "nft",
		Headline:        info.name,
		Abstract:        info.description,
	}
	if !rec.CreatedAt.IsZero() {
		tree.AssetTimestampCreated = rec.CreatedAt.Unix()
	}
	source := u
	if strings.HasPrefix(u, "data:") {
		source = "nft:" + rec.Chain + "/" + rec.Contract + "/" + rec.TokenID
	}
	r, err := p.eng.Register(ctx, &engine.RegisterRequest{Data: data, Source: source, Tree: tree, AllowNonImage: true})
	if err != nil {
		m.Err = err
		return m
	}
	m.Nid, m.Created = r.Asset.Nid, r.Created
	if r.Created {
		p.assets.Add(1)
	}
	if p.cache != nil {
		if err := p.cache.put(u, m.Nid, data, !m.Cached && !strings.HasPrefix(u, "data:")); err != nil {
			p.log.Warn("cache write failed", "dir", p.cache.dir, "err", err)
		}
	}
	return m
}

// fetch reads u through Options.Open when it takes it, else through the
// Fetcher, and counts the bytes.
func (p *Pipeline) fetch(ctx context.Context, u string) ([]byte, error) {
	if p.opt.Open != nil {
		b, ok, err := p.opt.Open(ctx, u)
		if ok || err != nil {
			if err != nil {
				return nil, err
			}
			p.fetched.Add(1)
			p.bytes.Add(int64(len(b)))
			return b, nil
		}
	}
	res, err := p.f.Fetch(ctx, u)
	if err != nil {
		return nil, err
	}
	p.fetched.Add(1)
	p.bytes.Add(res.Size)
	return res.Body, nil
}

// cache is the content-addressed media cache in a directory:
// blobs/<nid> holds the bytes, urls/<hex sha256 of the URL> the Nid of the
// URL's bytes. Files are written whole (temporary file, then rename), so a
// crash leaves no partial entry.
type cache struct{ dir string }

func urlKey(u string) string {
	h := sha256.Sum256([]byte(u))
	return hex.EncodeToString(h[:])
}

// nid returns the Nid cached for u, or "".
func (c *cache) nid(u string) string {
	b, err := os.ReadFile(filepath.Join(c.dir, "urls", urlKey(u)))
	if err != nil {
		return ""
	}
	nid := strings.TrimSpace(string(b))
	if !validNid(nid) {
		return ""
	}
	return nid
}

// blob returns the cached bytes of nid.
func (c *cache) blob(nid string) ([]byte, error) {
	if !validNid(nid) {
		return nil, fs.ErrNotExist
	}
	return os.ReadFile(filepath.Join(c.dir, "blobs", nid))
}

// put records that u holds the bytes data with Nid nid, keeping the bytes
// too when keep is set.
func (c *cache) put(u, nid string, data []byte, keep bool) error {
	if !validNid(nid) {
		return errors.New("cache: bad nid " + nid)
	}
	if keep {
		if err := writeFile(filepath.Join(c.dir, "blobs"), nid, data); err != nil {
			return err
		}
	}
	return writeFile(filepath.Join(c.dir, "urls"), urlKey(u), []byte(nid+"\n"))
}

// validNid accepts the characters of a base32 CID only, so that a cache
// file can never name a path outside the cache.
func validNid(s string) bool {
	if len(s) < 8 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func writeFile(dir, name string, data []byte) error {
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return nil // content-addressed: already there
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
