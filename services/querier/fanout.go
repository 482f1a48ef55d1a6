package querier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// fanout is the querier's logql.Querier: every healthy ingester for the recent window and the
// store for everything, merged with copies removed. Safe for concurrent use.
type fanout struct {
	ring    ring.ReadRing // nil: no ingesters
	clients func(addr string) (querierpb.QuerierClient, error)
	store   Store // nil: no store
	cfg     Config
	now     func() time.Time
	logger  *slog.Logger
}

var _ logql.Querier = (*fanout)(nil)

// ingesterWindow clips [start, end) to the window ingesters may hold; ok is false when the
// query lies entirely before it.
func (f *fanout) ingesterWindow(start, end int64) (int64, int64, bool) {
	if f.ring == nil {
		return 0, 0, false
	}
	if f.cfg.QueryIngestersWithin <= 0 {
		return start, end, true
	}
	min := f.now().Add(-f.cfg.QueryIngestersWithin).UnixNano()
	if end <= min {
		return 0, 0, false
	}
	return max(start, min), end, true
}

func (f *fanout) SelectLogs(ctx context.Context, p logql.SelectLogParams) (iter.EntryIterator, error) {
	st := statsFromContext(ctx)
	var its []iter.EntryIterator
	if start, end, ok := f.ingesterWindow(p.Start, p.End); ok {
		req := &querierpb.LogQueryRequest{
			Selector:  p.Selector.String(),
			Start:     start,
			End:       end,
			Limit:     p.Limit,
			Direction: directionToWire(p.Direction),
			Shards:    shardsToWire(p.Shards),
		}
		got, err := forIngesters(ctx, f, func(ctx context.Context, c querierpb.QuerierClient) (iter.EntryIterator, error) {
			ctx, cancel := f.ingesterContext(ctx)
			stream, err := c.Query(ctx, req)
			if err != nil {
				cancel()
				return nil, err
			}
			// Receive the first batch now, so an ingester that cannot answer counts
			// against the replication set's error budget instead of failing mid-query.
			first, err := stream.Recv()
			if err != nil && !isEOF(err) {
				cancel()
				return nil, err
			}
			recv := preRead(first, err, stream.Recv)
			return iter.NewLogResponseIterator(logRecv(func() (*querierpb.LogQueryResponse, error) {
				r, err := recv()
				if err == nil {
					st.addLogBatch(r)
				}
				return r, err
			}), p.Direction, closeFunc(cancel)), nil
		})
		if err != nil {
			return nil, err
		}
		its = append(its, got...)
	}
	if f.store != nil {
		it, err := f.store.SelectLogs(ctx, p)
		if err != nil {
			closeAll(its)
			return nil, fmt.Errorf("select logs from store: %w", err)
		}
		its = append(its, &storeEntries{EntryIterator: it, st: st})
	}
	return newLimitedMerge(iter.NewMergeEntryIterator(its, p.Direction), p.Limit, st), nil
}

func (f *fanout) SelectSamples(ctx context.Context, p logql.SelectSampleParams) (iter.SampleIterator, error) {
	st := statsFromContext(ctx)
	var its []iter.SampleIterator
	// With a bucket grid the store may sum a stream's entries per step, but only before the
	// first sample an ingester returns for it: later ones must stay single samples, so the
	// merge can drop the copies that both hold (logql.SelectSampleParams.SingleFrom).
	first := &firstTimes{}
	if start, end, ok := f.ingesterWindow(p.Start, p.End); ok {
		req := &querierpb.SampleQueryRequest{
			Selector:         p.Expr.String(),
			Start:            start,
			End:              end,
			Shards:           shardsToWire(p.Shards),
			ReportFirstTimes: p.Buckets.Width > 0,
		}
		got, err := forIngesters(ctx, f, func(ctx context.Context, c querierpb.QuerierClient) (iter.SampleIterator, error) {
			ctx, cancel := f.ingesterContext(ctx)
			stream, err := c.QuerySample(ctx, req)
			if err != nil {
				cancel()
				return nil, err
			}
			head, err := stream.Recv()
			if err != nil && !isEOF(err) {
				cancel()
				return nil, err
			}
			if req.ReportFirstTimes {
				first.add(head)
			}
			recv := preRead(head, err, stream.Recv)
			return iter.NewSampleResponseIterator(sampleRecv(func() (*querierpb.SampleQueryResponse, error) {
				r, err := recv()
				if err == nil {
					st.addSampleBatch(r)
				}
				return r, err
			}), closeFunc(cancel)), nil
		})
		if err != nil {
			return nil, err
		}
		its = append(its, got...)
	}
	if f.store != nil {
		if p.Buckets.Width > 0 {
			var said bool
			if p.SingleFrom, said = first.get(); !said {
				p.Buckets = logql.BucketGrid{} // an ingester that did not say: sum nothing
			}
		}
		it, err := f.store.SelectSamples(ctx, p)
		if err != nil {
			for _, it := range its {
				_ = it.Close()
			}
			return nil, fmt.Errorf("select samples from store: %w", err)
		}
		its = append(its, &storeSamples{SampleIterator: it, st: st})
	}
	return &countedSamples{SampleIterator: iter.NewMergeSampleIterator(its), st: st}, nil
}

func (f *fanout) ingesterContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if f.cfg.IngesterQueryTimeout > 0 {
		return context.WithTimeout(ctx, f.cfg.IngesterQueryTimeout)
	}
	return context.WithCancel(ctx)
}

// forIngesters calls every healthy ingester concurrently and returns the results of those that
// answered. It fails when more ingesters fail than the replication set tolerates; results
// already obtained are then released through closeResult.
func forIngesters[T any](ctx context.Context, f *fanout, call func(context.Context, querierpb.QuerierClient) (T, error)) ([]T, error) {
	rs, err := f.ring.GetAllHealthy(ring.Read)
	if err != nil {
		return nil, fmt.Errorf("get ingesters: %w", err)
	}
	type result struct {
		v    T
		err  error
		addr string
	}
	results := make([]result, len(rs.Instances))
	var wg sync.WaitGroup
	for i, inst := range rs.Instances {
		wg.Go(func() {
			results[i].addr = inst.Addr
			c, err := f.clients(inst.Addr)
			if err != nil {
				results[i].err = fmt.Errorf("connect to ingester %s: %w", inst.Addr, err)
				return
			}
			results[i].v, results[i].err = call(ctx, c)
		})
	}
	wg.Wait()
	var out []T
	var errs []error
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		out = append(out, r.v)
	}
	statsFromContext(ctx).addReached(len(out))
	if len(errs) > rs.MaxErrors {
		for _, v := range out {
			closeResult(v)
		}
		return nil, errs[0]
	}
	for _, err := range errs {
		f.logger.Warn("ingester query failed within the replication set's tolerance", "err", err)
	}
	return out, nil
}

// closeResult releases a result of forIngesters that holds resources (a stream).
func closeResult(v any) {
	if c, ok := v.(interface{ Close() error }); ok {
		_ = c.Close()
	}
}

func closeAll(its []iter.EntryIterator) {
	for _, it := range its {
		_ = it.Close()
	}
}

// preRead returns a receive function that first yields an already received (msg, err).
func preRead[T any](msg *T, err error, recv func() (*T, error)) func() (*T, error) {
	used := false
	return func() (*T, error) {
		if !used {
			used = true
			return msg, err
		}
		return recv()
	}
}

// logRecv and sampleRecv adapt receive functions to pkg/iter's receiver interfaces.
type logRecv func() (*querierpb.LogQueryResponse, error)

func (f logRecv) Recv() (*querierpb.LogQueryResponse, error) { return f() }

type sampleRecv func() (*querierpb.SampleQueryResponse, error)

func (f sampleRecv) Recv() (*querierpb.SampleQueryResponse, error) { return f() }

func closeFunc(cancel context.CancelFunc) func() error {
	return func() error { cancel(); return nil }
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }

func directionToWire(d iter.Direction) querierpb.Direction {
	if d == iter.Backward {
		return querierpb.Direction_BACKWARD
	}
	return querierpb.Direction_FORWARD
}

func shardsToWire(shards []logql.Shard) []string {
	if len(shards) == 0 {
		return nil
	}
	out := make([]string, 0, len(shards))
	for _, s := range shards {
		out = append(out, fmt.Sprintf("%d_of_%d", s.Index, s.Of))
	}
	return out
}

// matchersString renders matchers back into a selector for the wire.
func matchersString(ms []*labels.Matcher) string {
	if len(ms) == 0 {
		return ""
	}
	b := []byte{'{'}
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, m.String()...)
	}
	return string(append(b, '}'))
}
