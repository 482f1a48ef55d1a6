package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/skaldlogs/skald/pkg/index"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
)

// seriesPlan is one stream of a query and the chunks it must read, ordered by From.
type seriesPlan struct {
	labels labels.Labels
	str    string
	fp     uint64
	refs   []index.ChunkRef
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
