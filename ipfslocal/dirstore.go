package ipfslocal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	blocks "github.com/ipfs/go-block-format"
	gocid "github.com/ipfs/go-cid"
	ipld "github.com/ipfs/go-ipld-format"
	"github.com/multiformats/go-multibase"
)

// dirStore is a blockstore keeping one file per block in a directory,
// named by the block's CID (base32). Writes go to a temporary file renamed
// into place, so a crash never leaves a partial block under a real name.
// Blocks are keyed by CID, codec included, as Kubo's blockstore is not; that
// is enough for a node whose blocks all come from its own importer.
type dirStore struct {
	dir string
}

func newDirStore(dir string) (*dirStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ipfslocal: blocks directory: %w", err)
	}
	return &dirStore{dir: dir}, nil
}

func (d *dirStore) path(c gocid.Cid) string {
	s, _ := c.StringOfBase(multibase.Base32) // base32 never fails
	return filepath.Join(d.dir, s)
}

func (d *dirStore) DeleteBlock(_ context.Context, c gocid.Cid) error {
	err := os.Remove(d.path(c))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (d *dirStore) Has(_ context.Context, c gocid.Cid) (bool, error) {
	_, err := os.Stat(d.path(c))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (d *dirStore) Get(_ context.Context, c gocid.Cid) (blocks.Block, error) {
	b, err := os.ReadFile(d.path(c))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ipld.ErrNotFound{Cid: c}
	}
	if err != nil {
		return nil, err
	}
	return blocks.NewBlockWithCid(b, c)
}

func (d *dirStore) GetSize(_ context.Context, c gocid.Cid) (int, error) {
	fi, err := os.Stat(d.path(c))
	if errors.Is(err, fs.ErrNotExist) {
		return -1, ipld.ErrNotFound{Cid: c}
	}
	if err != nil {
		return -1, err
	}
	return int(fi.Size()), nil
}

func (d *dirStore) Put(_ context.Context, b blocks.Block) error {
	p := d.path(b.Cid())
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	f, err := os.CreateTemp(d.dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(b.RawData())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func (d *dirStore) PutMany(ctx context.Context, bs []blocks.Block) error {
	for _, b := range bs {
		if err := d.Put(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

func (d *dirStore) AllKeysChan(ctx context.Context) (<-chan gocid.Cid, error) {
	ents, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, err
	}
	out := make(chan gocid.Cid)
	go func() {
		defer close(out)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), ".") {
				continue
			}
			c, err := gocid.Decode(e.Name())
			if err != nil {
				continue
			}
			select {
			case out <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
