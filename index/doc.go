// Package index holds Sleuth's in-memory similarity indexes. Votes is an
// inverted index of local feature descriptors that names the assets worth
// a geometric verification, ranked by the votes that agree on one
// rotation and scale (SearchConsistent; see votes.go). Thumbs scans every
// asset's 64-byte thumbnail vector for those laid out most like the query
// (thumbs.go). PDQ is an
// exact Hamming range index over 256-bit PDQ hashes: Search returns every
// indexed id with a hash within maxDist bits of one of the query's variants
// (the 8 dihedral hashes of the query picture), exactly what the linear
// scan Linear returns, in a small fraction of its time.
//
// # Data structure
//
// A hash is first permuted (a fixed bit permutation, so distances are
// unchanged) so that every chunk below takes bits from all over the DCT:
// real PDQ hashes have biased, correlated bits and the chunks of raw bytes
// would fill a few buckets. The index has a static part and a delta.
//
// The static part is multi-index hashing (Norouzi et al.) with the
// generalized pigeonhole principle (Qin et al.): the code is cut into
// chunks, one table per chunk, and table t is searched with radius r_t. If
// sum(r_t + 1) >= d + 1, a code within d bits of the query is within r_t
// bits of it on the chunk of some table t, so probing every table within its
// radius and verifying the candidates finds every match: the search is
// exact. The default layout has 8 tables of 32-bit chunks searched with
// radius 3 (8*4 = 32 = 31+1); for maxDist < 31 the radii shrink (some
// tables are skipped), and beyond MaxExact = 31 Search scans linearly.
//
// Every table is in CSR form: a directory of bucket offsets indexed by the
// top b bits of the chunk (b ~ log2(n/16), so ~16 entries a bucket; the
// offsets are 16-bit deltas from a 32-bit base per 64 buckets), and the
// entries sorted by bucket. A search of radius r enumerates the buckets
// within r bits of the query's bucket (697 for r = 3, b = 16) and checks the
// entries there:
//
//   - Table 0, the primary table, needs no entries: the records (the 32-byte
//     codes) are stored in the order of its buckets. The 16 bucket bits the
//     directory already gives are replaced, inside each record, by the high
//     half of the record's id; the low half is in a separate array.
//   - Every other table has one uint32 entry per record: the record's
//     position in the low posBits (log2 n) bits and, above, the next
//     32-posBits chunk bits after the bucket bits (12 bits at 1M entries).
//     Entries are rejected on those key bits before the record is read, so
//     only ~1000 records a query are verified.
//
// At 1M entries that is 32 (record) + 2 (id) + 7*4 (entries) + ~1.5
// (directories) = 63.6 bytes an entry. Options.Tables = 10 uses 10 tables
// (the primary and one more of radius 3 and eight 24-bit chunks of radius
// 2): 72 bytes an entry and about 0.6x the query time, because the probes
// (their cache misses) dominate the cost of a query. On a 2-core AMD EPYC
// VM, one query thread, 8 variants, maxDist 31, clustered realistic hashes
// (package bench): p50 1.8 ms with 8 tables and 1.0 ms with 10 at 1M
// entries, against 21 ms for the linear scan; 7 ms and 4 ms at 10M.
//
// A query probes each table once per variant, all variants verified at
// once: a record is read at most once per query (a bitmap of seen
// positions), and its distance to every variant is computed then. The
// bucket ranges of one variant's probes are computed, and their first
// entries touched, in two branch-free loops before they are scanned, so
// that the processor overlaps their cache misses; the buckets are probed in
// increasing order of their mask, so that neighbouring buckets share cache
// lines.
//
// # Updates
//
// Add appends to the delta (scanned linearly by every query) and Remove
// marks the static records of the id in a tombstone bitmap (found by a scan
// of the ids' low halves, ~0.2 ms at 1M entries). When the delta exceeds max(2048, n/128) entries
// or the tombstones max(1024, n/32), a background goroutine rebuilds the
// static part from the live records and swaps it in; Compact does it at
// once. Searches hold a read lock; writers are serialized and hold the
// write lock only to publish a change, so queries go on during a rebuild.
// BuildPDQ builds the static part in one pass, much faster than n Adds.
package index
