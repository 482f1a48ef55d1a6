package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/skaldlogs/skald/pkg/chunk"
	"github.com/skaldlogs/skald/pkg/index"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// seriesPlan is one stream of a query and the chunks it must read, ordered by From.
type seriesPlan struct {
	labels labels.Labels
	str    string
	fp     uint64
	refs   []index.ChunkRef
	chunks []*chunk.Chunk // parallel to refs after fetch; nil where a chunk was ruled out
}

// lookup resolves matchers to the streams with chunks overlapping [start, end), merged across
// periods with duplicate refs dropped, restricted to shards, and checked against the limits.
func (r *Reader) lookup(ctx context.Context, tenant string, groups [][]*labels.Matcher, start, end int64, shards []logql.Shard) ([]*seriesPlan, error) {
	if end <= start {
		return nil, nil
	}
	idxs, err := r.indexes(ctx, tenant, start, end-1)
	if err != nil {
		return nil, err
	}
	byFP := map[uint64][]*seriesPlan{}
	var out []*seriesPlan
	for _, idx := range idxs {
		for _, ms := range groups {
			scs, err := idx.Series(ms, start, end-1)
			if err != nil {
				return nil, fmt.Errorf("look up series: %w", err)
			}
			for _, sc := range scs {
				if !inShards(shards, sc.Fingerprint) {
					continue
				}
				var sp *seriesPlan
				for _, c := range byFP[sc.Fingerprint] {
					if labels.Equal(c.labels, sc.Labels) {
						sp = c
						break
					}
				}
				if sp == nil {
					sp = &seriesPlan{labels: sc.Labels, str: sc.Labels.String(), fp: sc.Fingerprint}
					byFP[sc.Fingerprint] = append(byFP[sc.Fingerprint], sp)
					out = append(out, sp)
				}
				sp.refs = append(sp.refs, sc.Chunks...)
			}
		}
	}
	for _, sp := range out {
		// Periods and groups may both list a chunk: keep one ref per key.
		slices.SortFunc(sp.refs, func(a, b index.ChunkRef) int {
			if a.From != b.From {
				return cmpInt(a.From, b.From)
			}
			if a.Key < b.Key {
				return -1
			}
			if a.Key > b.Key {
				return 1
			}
			return 0
		})
		sp.refs = slices.CompactFunc(sp.refs, func(a, b index.ChunkRef) bool { return a.Key == b.Key })
	}
	slices.SortFunc(out, func(a, b *seriesPlan) int { return labels.Compare(a.labels, b.labels) })
	return out, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func inShards(shards []logql.Shard, fp uint64) bool {
	if len(shards) == 0 {
		return true
	}
	for _, s := range shards {
		if s.Contains(fp) {
			return true
		}
	}
	return false
}

// checkLimits enforces the per-query chunk and byte limits on a plan.
func (r *Reader) checkLimits(plan []*seriesPlan) error {
	var n int
	var size int64
	for _, sp := range plan {
		n += len(sp.refs)
		for _, ref := range sp.refs {
			size += ref.Size
		}
	}
	if r.cfg.MaxChunksPerQuery > 0 && n > r.cfg.MaxChunksPerQuery {
		return fmt.Errorf("the query hit the max number of chunks limit (limit: %d chunks, query: %d chunks): %w", r.cfg.MaxChunksPerQuery, n, ErrLimit)
	}
	if r.cfg.MaxBytesPerQuery > 0 && size > r.cfg.MaxBytesPerQuery {
		return fmt.Errorf("the query would read too many bytes (query: %d bytes, limit: %d bytes): %w", size, r.cfg.MaxBytesPerQuery, ErrLimit)
	}
	return nil
}

// fetch downloads (or takes from the cache) and decodes every chunk of the plan, with bounded
// parallelism. Chunks whose token filters rule out all of needles in [start, end) are dropped
// from the plan before any block is decompressed.
func (r *Reader) fetch(ctx context.Context, plan []*seriesPlan, start, end int64, needles []string, st *querierpb.QueryStats) error {
	type job struct {
		sp *seriesPlan
		i  int
	}
	var jobs []job
	for _, sp := range plan {
		sp.chunks = make([]*chunk.Chunk, len(sp.refs))
		for i := range sp.refs {
			jobs = append(jobs, job{sp, i})
		}
	}
	st.TotalChunksRef += int64(len(jobs))
	downloaded, downloadNs, skipped := make([]bool, len(jobs)), make([]int64, len(jobs)), make([]int64, len(jobs))
	err := parallel(ctx, len(jobs), r.cfg.FetchConcurrency, func(ctx context.Context, j int) error {
		jb := jobs[j]
		ref := jb.sp.refs[jb.i]
		c, ok := r.chunks.get(ref.Key)
		if !ok {
			t0 := time.Now()
			data, err := readAll(ctx, r.bkt, ref.Key)
			if err != nil {
				if objstore.IsNotFound(err) {
					return fmt.Errorf("chunk %s referenced by the index is missing: %w", ref.Key, err)
				}
				return fmt.Errorf("get chunk %s: %w", ref.Key, err)
			}
			downloadNs[j] = time.Since(t0).Nanoseconds()
			downloaded[j] = true
			c, err = chunk.Decode(data)
			if err != nil {
				return fmt.Errorf("decode chunk %s: %w", ref.Key, err)
			}
			if ref.Checksum != 0 && c.Meta().Checksum != ref.Checksum {
				return fmt.Errorf("decode chunk %s: %w", ref.Key, &chunk.CorruptionError{Block: -1, Offset: -1, Reason: "checksum differs from the index"})
			}
			r.chunks.put(ref.Key, c, int64(len(data)))
		}
		if len(needles) > 0 && !c.MayContain(start, end, needles) {
			skipped[j] = int64(c.Blocks())
			return nil
		}
		jb.sp.chunks[jb.i] = c
		return nil
	})
	for j := range jobs {
		if downloaded[j] {
			st.TotalChunksDownloaded++
			st.ChunksDownloadTimeNs += downloadNs[j]
		}
		st.BlocksSkipped += skipped[j]
	}
	return err
}
