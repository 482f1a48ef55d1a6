package ingester

import (
	"errors"
	"sort"

	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/pkg/logql"
	"github.com/skaldlogs/skald/pkg/logql/syntax"
	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/proto/logproto"
	"github.com/skaldlogs/skald/proto/querierpb"
)

// grpcError maps an error of the query path to a gRPC status.
func grpcError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tenant.ErrNoOrgID):
		return status.Error(codes.Unauthenticated, err.Error())
	case syntax.IsParseError(err):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return status.FromContextError(err).Err()
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	return status.Error(codes.Internal, err.Error())
}

// Query implements querierpb.QuerierServer over the data in memory.
func (i *Ingester) Query(req *querierpb.LogQueryRequest, srv grpc.ServerStreamingServer[querierpb.LogQueryResponse]) error {
	// The querier validated the query; accept what it sends.
	sel, err := syntax.ParseLogSelector(req.Selector, false)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	shards, err := parseShards(req.Shards)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	dir := iter.Forward
	if req.Direction == querierpb.Direction_BACKWARD {
		dir = iter.Backward
	}
	it, st, err := i.selectLogs(srv.Context(), logql.SelectLogParams{Selector: sel, Start: req.Start, End: req.End, Limit: req.Limit, Direction: dir, Shards: shards})
	if err != nil {
		return grpcError(err)
	}
	// The stats ride on the first response (a stats-only one when nothing matched).
	err = iter.SendEntries(it, iter.DefaultBatchSize, func(r *querierpb.LogQueryResponse) error {
		r.Stats, st = st, nil
		return srv.Send(r)
	})
	if err == nil && st != nil {
		err = srv.Send(&querierpb.LogQueryResponse{Stats: st})
	}
	return grpcError(err)
}

// QuerySample implements querierpb.QuerierServer over the data in memory.
func (i *Ingester) QuerySample(req *querierpb.SampleQueryRequest, srv grpc.ServerStreamingServer[querierpb.SampleQueryResponse]) error {
	expr, err := syntax.ParseSampleExpr(req.Selector)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	shards, err := parseShards(req.Shards)
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	it, st, first, err := i.selectSamples(srv.Context(), logql.SelectSampleParams{Expr: expr, Start: req.Start, End: req.End, Shards: shards})
	if err != nil {
		return grpcError(err)
	}
	// The first response carries the stats and, when asked, the first times (so the querier
	// has them before it asks the store).
	report := req.ReportFirstTimes
	head := func(r *querierpb.SampleQueryResponse) {
		r.Stats, st = st, nil
		if report {
			r.FirstTimes, r.FirstTimesReported, report = first, true, false
		}
	}
	err = iter.SendSamples(it, iter.DefaultBatchSize, func(r *querierpb.SampleQueryResponse) error {
		head(r)
		return srv.Send(r)
	})
	if err == nil && st != nil {
		r := &querierpb.SampleQueryResponse{}
		head(r)
		err = srv.Send(r)
	}
	return grpcError(err)
}

// Label returns label names, or the values of one label, of the streams in memory with data in
// [start, end), optionally restricted to a selector.
func (i *Ingester) Label(ctx context.Context, req *querierpb.LabelRequest) (*querierpb.LabelResponse, error) {
	var ms []*labels.Matcher
	if req.Query != "" {
		var err error
		if ms, err = labels.ParseMatchers(req.Query); err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
	}
	streams, err := i.matching(ctx, ms, nil)
	if err != nil {
		return nil, grpcError(err)
	}
	set := map[string]struct{}{}
	for _, s := range streams {
		if !s.overlaps(req.Start, req.End) {
			continue
		}
		for _, l := range s.lbls {
			switch {
			case !req.Values:
				set[l.Name] = struct{}{}
			case l.Name == req.Name:
				set[l.Value] = struct{}{}
			}
		}
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return &querierpb.LabelResponse{Values: out}, nil
}

// Series returns the label sets of the streams in memory with data in [start, end) that match
// any of the groups (all streams when there are none).
func (i *Ingester) Series(ctx context.Context, req *querierpb.SeriesRequest) (*querierpb.SeriesResponse, error) {
	shards, err := parseShards(req.Shards)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	groups := make([][]*labels.Matcher, 0, len(req.Groups))
	for _, g := range req.Groups {
		ms, err := labels.ParseMatchers(g)
		if err != nil {
			return nil, status.Error(codes.InvalidArgument, err.Error())
		}
		groups = append(groups, ms)
	}
	if len(groups) == 0 {
		groups = append(groups, nil)
	}
	seen := map[uint64]bool{}
	var found []labels.Labels
	for _, ms := range groups {
		streams, err := i.matching(ctx, ms, shards)
		if err != nil {
			return nil, grpcError(err)
		}
		for _, s := range streams {
			if !seen[s.fp] && s.overlaps(req.Start, req.End) {
				seen[s.fp] = true
				found = append(found, s.lbls)
			}
		}
	}
	sort.Slice(found, func(a, b int) bool { return labels.Compare(found[a], found[b]) < 0 })
	resp := &querierpb.SeriesResponse{Series: make([]*querierpb.SeriesIdentifier, len(found))}
	for k, ls := range found {
		id := &querierpb.SeriesIdentifier{Labels: make([]*logproto.LabelPairAdapter, len(ls))}
		for j, l := range ls {
			id.Labels[j] = &logproto.LabelPairAdapter{Name: l.Name, Value: l.Value}
		}
		resp.Series[k] = id
	}
	return resp, nil
}
