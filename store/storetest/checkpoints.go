package storetest

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/sleuthhq/sleuth"
)

// testCheckpoint checks sleuth.CheckpointStore: not found, insert,
// replace, keys by (chain, source), the full uint64 range up to 2^63-1,
// and the refusals.
func (s *suite) testCheckpoint(t *testing.T) {
	ctx := context.Background()
	st := s.store(t)
	if _, err := st.Checkpoint(ctx, "eip155:1", "0xabc"); !errors.Is(err, sleuth.ErrCheckpointNotFound) {
		t.Fatalf("Checkpoint of nothing: %v, want %s", err, sleuth.CodeCheckpointNotFound)
	}
	check := func(what string, want *sleuth.Checkpoint) {
		t.Helper()
		got, err := st.Checkpoint(ctx, want.Chain, want.Source)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !got.UpdatedAt.Equal(want.UpdatedAt) || got.UpdatedAt.Location() != time.UTC {
			t.Errorf("%s: UpdatedAt %v, want %v in UTC", what, got.UpdatedAt, want.UpdatedAt)
		}
		g, w := *got, *want
		g.UpdatedAt, w.UpdatedAt = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("%s: got %+v, want %+v", what, g, w)
		}
	}
	c := &sleuth.Checkpoint{Chain: "eip155:1", Source: "0xabc", Block: 17_000_000}
	before := time.Now()
	if err := st.PutCheckpoint(ctx, c); err != nil {
		t.Fatal(err)
	}
	checkNow(t, "UpdatedAt", c.UpdatedAt, before, time.Now())
	check("first", c)

	other := &sleuth.Checkpoint{Chain: "eip155:137", Source: "0xabc", Block: 5, Cursor: "sig-1"}
	if err := st.PutCheckpoint(ctx, other); err != nil {
		t.Fatal(err)
	}
	check("other chain", other)
	check("first untouched", c)

	repl := &sleuth.Checkpoint{Chain: "eip155:1", Source: "0xabc", Block: math.MaxInt64, Cursor: "x"}
	if err := st.PutCheckpoint(ctx, repl); err != nil {
		t.Fatal(err)
	}
	check("replaced", repl)
	back := &sleuth.Checkpoint{Chain: "eip155:1", Source: "0xabc", Block: 0}
	if err := st.PutCheckpoint(ctx, back); err != nil {
		t.Fatal(err)
	}
	check("block 0, cursor cleared", back)

	for _, bad := range []*sleuth.Checkpoint{
		nil,
		{Source: "0xabc", Block: 1},
		{Chain: "eip155:1", Block: 1},
		{Chain: "eip155:1", Source: "0xabc", Block: math.MaxInt64 + 1},
	} {
		if err := st.PutCheckpoint(ctx, bad); sleuth.ErrorCode(err) != sleuth.CodeStoreInvalid {
			t.Errorf("PutCheckpoint(%+v) = %v, want %s", bad, err, sleuth.CodeStoreInvalid)
		}
	}
	check("unchanged by refusals", back)
}
