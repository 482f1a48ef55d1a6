package inproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/proto/logproto"
	"github.com/skaldlogs/skald/proto/querierpb"
)

type fakePusher struct {
	logproto.UnimplementedPusherServer
	gotTenant string
	gotMD     []string
	err       error
}

func (p *fakePusher) Push(ctx context.Context, req *logproto.PushRequest) (*logproto.PushResponse, error) {
	p.gotTenant, _ = tenant.FromContext(ctx)
	md, _ := metadata.FromIncomingContext(ctx)
	p.gotMD = md.Get(tenant.MetadataKey)
	if p.err != nil {
		return nil, p.err
	}
	return &logproto.PushResponse{}, nil
}

func TestPusherClient(t *testing.T) {
	f := func(ctx context.Context, srvErr error, wantTenant string, wantCode codes.Code) {
		t.Helper()
		srv := &fakePusher{err: srvErr}
		_, err := PusherClient(srv).Push(ctx, &logproto.PushRequest{})
		if got := status.Code(err); got != wantCode {
			t.Fatalf("code %v, want %v (err %v)", got, wantCode, err)
		}
		if srv.gotTenant != wantTenant {
			t.Fatalf("tenant %q, want %q", srv.gotTenant, wantTenant)
		}
		if wantTenant != "" && (len(srv.gotMD) != 1 || srv.gotMD[0] != wantTenant) {
			t.Fatalf("metadata tenant %v, want %q", srv.gotMD, wantTenant)
		}
	}
	ctx := tenant.InjectContext(context.Background(), "t1")
	f(ctx, nil, "t1", codes.OK)
	f(metadata.AppendToOutgoingContext(context.Background(), tenant.MetadataKey, "t2"), nil, "t2", codes.OK)
	f(ctx, status.Error(codes.ResourceExhausted, "rate"), "t1", codes.ResourceExhausted)
	f(ctx, errors.New("plain"), "t1", codes.Unknown)
	f(ctx, fmt.Errorf("wrapped: %w", context.DeadlineExceeded), "t1", codes.DeadlineExceeded)
	f(context.Background(), nil, "", codes.OK)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	srv := &fakePusher{}
	if _, err := PusherClient(srv).Push(cancelled, &logproto.PushRequest{}); status.Code(err) != codes.Canceled {
		t.Fatalf("cancelled push: %v", err)
	}
}

// fakeQuerier streams n responses per Query, then returns err. exited receives once per
// finished handler so tests can prove that no handler goroutine is left behind.
type fakeQuerier struct {
	querierpb.UnimplementedQuerierServer
	n      int
	err    error
	exited chan error
	block  bool // keep sending until Send fails
}

func (q *fakeQuerier) Query(req *querierpb.LogQueryRequest, ss grpc.ServerStreamingServer[querierpb.LogQueryResponse]) (err error) {
	defer func() { q.exited <- err }()
	id, terr := tenant.FromContext(ss.Context())
	if terr != nil {
		return status.Error(codes.Unauthenticated, terr.Error())
	}
	if err := ss.SetHeader(metadata.Pairs("tenant", id)); err != nil {
		return err
	}
	for i := 0; q.block || i < q.n; i++ {
		resp := &querierpb.LogQueryResponse{Streams: []*logproto.StreamAdapter{{Labels: fmt.Sprintf(`{i="%d"}`, i)}}}
		if err := ss.Send(resp); err != nil {
			return err
		}
	}
	ss.SetTrailer(metadata.Pairs("sent", fmt.Sprint(q.n)))
	return q.err
}

func (q *fakeQuerier) QuerySample(req *querierpb.SampleQueryRequest, ss grpc.ServerStreamingServer[querierpb.SampleQueryResponse]) (err error) {
	defer func() { q.exited <- err }()
	for i := 0; i < q.n; i++ {
		if err := ss.SendMsg(&querierpb.SampleQueryResponse{Series: []*querierpb.Series{{Labels: req.Selector}}}); err != nil {
			return err
		}
	}
	return q.err
}

func (q *fakeQuerier) Label(ctx context.Context, req *querierpb.LabelRequest) (*querierpb.LabelResponse, error) {
	id, err := tenant.FromContext(ctx)
	if err != nil {
		return nil, err
	}
	return &querierpb.LabelResponse{Values: []string{id, req.Name}}, nil
}

func (q *fakeQuerier) Series(ctx context.Context, req *querierpb.SeriesRequest) (*querierpb.SeriesResponse, error) {
	return nil, status.Error(codes.InvalidArgument, "bad")
}

func waitExit(t *testing.T, q *fakeQuerier) error {
	t.Helper()
	select {
	case err := <-q.exited:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("handler goroutine did not exit")
		return nil
	}
}

func TestQueryStreamsAll(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n        int
		srvErr   error
		wantCode codes.Code
	}{
		{"eof", 5, nil, codes.OK},
		{"empty", 0, nil, codes.OK},
		{"status error after data", 3, status.Error(codes.ResourceExhausted, "too many"), codes.ResourceExhausted},
		{"plain error", 2, errors.New("disk"), codes.Unknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &fakeQuerier{n: tc.n, err: tc.srvErr, exited: make(chan error, 1)}
			ctx := tenant.InjectContext(context.Background(), "acme")
			st, err := QuerierClient(q).Query(ctx, &querierpb.LogQueryRequest{})
			if err != nil {
				t.Fatal(err)
			}
			md, err := st.Header()
			if err != nil || len(md.Get("tenant")) != 1 || md.Get("tenant")[0] != "acme" {
				t.Fatalf("header %v %v", md, err)
			}
			got := 0
			for {
				resp, err := st.Recv()
				if err == io.EOF {
					if tc.wantCode != codes.OK {
						t.Fatalf("EOF, want %v", tc.wantCode)
					}
					break
				}
				if err != nil {
					if status.Code(err) != tc.wantCode {
						t.Fatalf("err %v, want code %v", err, tc.wantCode)
					}
					break
				}
				if want := fmt.Sprintf(`{i="%d"}`, got); resp.Streams[0].Labels != want {
					t.Fatalf("message %d: %q", got, resp.Streams[0].Labels)
				}
				got++
			}
			if got != tc.n {
				t.Fatalf("got %d messages, want %d", got, tc.n)
			}
			if _, err := st.Recv(); err == nil {
				t.Fatal("Recv after the end returned no error")
			}
			if tr := st.Trailer().Get("sent"); len(tr) != 1 || tr[0] != fmt.Sprint(tc.n) {
				t.Fatalf("trailer %v", tr)
			}
			waitExit(t, q)
		})
	}
}

func TestQueryCancelReleasesHandler(t *testing.T) {
	q := &fakeQuerier{block: true, exited: make(chan error, 1)}
	ctx, cancel := context.WithCancel(tenant.InjectContext(context.Background(), "acme"))
	st, err := QuerierClient(q).Query(ctx, &querierpb.LogQueryRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := st.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := waitExit(t, q); status.Code(err) != codes.Canceled {
		t.Fatalf("handler's Send error %v, want Canceled", err)
	}
	if _, err := st.Recv(); status.Code(err) != codes.Canceled {
		t.Fatalf("Recv after cancel: %v", err)
	}
}

func TestQueryDeadline(t *testing.T) {
	q := &fakeQuerier{block: true, exited: make(chan error, 1)}
	ctx, cancel := context.WithTimeout(tenant.InjectContext(context.Background(), "acme"), 20*time.Millisecond)
	defer cancel()
	st, err := QuerierClient(q).Query(ctx, &querierpb.LogQueryRequest{})
	if err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	if err := waitExit(t, q); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("handler's Send error %v", err)
	}
	// Whatever was in flight may still arrive, then the deadline is reported.
	for {
		if _, err := st.Recv(); err != nil {
			if status.Code(err) != codes.DeadlineExceeded {
				t.Fatalf("Recv: %v", err)
			}
			break
		}
	}
}

func TestQueryNoTenant(t *testing.T) {
	q := &fakeQuerier{n: 1, exited: make(chan error, 1)}
	st, err := QuerierClient(q).Query(context.Background(), &querierpb.LogQueryRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Recv(); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("Recv: %v", err)
	}
	waitExit(t, q)
}

func TestQuerySampleRecvMsg(t *testing.T) {
	q := &fakeQuerier{n: 2, exited: make(chan error, 1)}
	st, err := QuerierClient(q).QuerySample(context.Background(), &querierpb.SampleQueryRequest{Selector: "sel"})
	if err != nil {
		t.Fatal(err)
	}
	var m querierpb.SampleQueryResponse
	for i := 0; i < 2; i++ {
		if err := st.RecvMsg(&m); err != nil || m.Series[0].Labels != "sel" {
			t.Fatalf("RecvMsg: %v %v", &m, err)
		}
	}
	if err := st.RecvMsg(&querierpb.LogQueryResponse{}); err != io.EOF {
		t.Fatalf("RecvMsg at end: %v", err)
	}
	if err := st.CloseSend(); err != nil {
		t.Fatal(err)
	}
	waitExit(t, q)
}

func TestUnary(t *testing.T) {
	c := QuerierClient(&fakeQuerier{})
	resp, err := c.Label(tenant.InjectContext(context.Background(), "acme"), &querierpb.LabelRequest{Name: "app"})
	if err != nil || len(resp.Values) != 2 || resp.Values[0] != "acme" || resp.Values[1] != "app" {
		t.Fatalf("Label: %v %v", resp, err)
	}
	if _, err := c.Label(context.Background(), &querierpb.LabelRequest{}); status.Code(err) != codes.Unknown {
		t.Fatalf("Label without tenant: %v", err)
	}
	if _, err := c.Series(context.Background(), &querierpb.SeriesRequest{}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("Series: %v", err)
	}
}
