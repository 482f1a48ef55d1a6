package distributor

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/tenant"
	"github.com/skaldlogs/skald/proto/logproto"
)

// TokenFor is the ring token of a stream: FNV-1a over the tenant then the sorted label string,
// the same value as ring.TokenFor(tenant + labels) computed without building that string.
func TokenFor(tenantID, labels string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(tenantID); i++ {
		h ^= uint32(tenantID[i])
		h *= 16777619
	}
	for i := 0; i < len(labels); i++ {
		h ^= uint32(labels[i])
		h *= 16777619
	}
	return h
}

// streamTrack counts one stream's replica outcomes against its quorum.
type streamTrack struct {
	minSuccess  int
	maxFailures int
	ok, failed  int
	done        bool
	err         error // the most retryable ingester error, reported when the stream fails
}

// batch is everything one ingester gets from one push.
type batch struct {
	addr string
	req  *logproto.PushRequest
	idx  []int // indexes into the stream tracks
	err  error // set by the batch's sender before it is done
}

type batchResult struct {
	b   *batch
	err error
}

// replicate sends each stream to its replication set, one request per ingester, and waits
// until every stream has reached its quorum or lost it. Replicas beyond the quorum still get
// their copy: the sends run on a context that outlives the client's request.
func (d *Distributor) replicate(ctx context.Context, tenantID string, streams []*logproto.StreamAdapter) error {
	tracks := make([]streamTrack, len(streams))
	batches := map[string]*batch{}
	var order []*batch
	for i, st := range streams {
		rs, err := d.deps.Ring.Get(TokenFor(tenantID, st.Labels), ring.Write)
		if err != nil {
			return &PushError{Status: http.StatusServiceUnavailable, Msg: fmt.Sprintf("get replication set: %v", err)}
		}
		if len(rs.Instances) == 0 {
			return &PushError{Status: http.StatusServiceUnavailable, Msg: "get replication set: no healthy ingester"}
		}
		tracks[i] = streamTrack{minSuccess: len(rs.Instances) - rs.MaxErrors, maxFailures: rs.MaxErrors}
		for _, in := range rs.Instances {
			b, ok := batches[in.Addr]
			if !ok {
				b = &batch{addr: in.Addr, req: &logproto.PushRequest{}}
				batches[in.Addr] = b
				order = append(order, b)
			}
			b.idx = append(b.idx, i)
			b.req.Streams = append(b.req.Streams, st)
		}
	}

	// The tenant travels in the context to in-process ingesters and, through the tenant
	// client interceptor, as gRPC metadata.
	sendCtx, cancel := context.WithTimeout(tenant.InjectContext(context.WithoutCancel(ctx), tenantID), d.cfg.RemoteTimeout)
	results := make(chan batchResult, len(order))
	var wg sync.WaitGroup
	for _, b := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.err = d.send(sendCtx, b)
			results <- batchResult{b, b.err}
		}()
	}
	go func() {
		wg.Wait()
		cancel()
		d.observeReplicas(len(streams), order)
	}()

	pending := len(tracks)
	for pending > 0 {
		select {
		case r := <-results:
			for _, i := range r.b.idx {
				t := &tracks[i]
				if t.done {
					continue
				}
				if r.err == nil {
					t.ok++
					t.done = t.ok >= t.minSuccess
				} else {
					t.failed++
					// Keep the error that tells the client most: a stream that lost its
					// quorum partly to an outage must be retried, whatever else failed.
					if t.err == nil || rank(httpStatusOfIngesterError(r.err)) >= rank(httpStatusOfIngesterError(t.err)) {
						t.err = r.err
					}
					t.done = t.failed > t.maxFailures
				}
				if t.done {
					pending--
				}
			}
		case <-ctx.Done():
			return &PushError{Status: 499, Msg: fmt.Sprintf("push cancelled by the client: %v", ctx.Err())}
		}
	}
	return d.failure(streams, tracks)
}

// observeReplicas records how many copies of each stream were written once every send ended,
// including the copies that finished after the client got its answer.
func (d *Distributor) observeReplicas(n int, order []*batch) {
	written := make([]int, n)
	for _, b := range order {
		if b.err != nil {
			continue
		}
		for _, i := range b.idx {
			written[i]++
		}
	}
	for _, w := range written {
		d.m.replicasWritten.Observe(float64(w))
	}
}

// send pushes one batch to one ingester.
func (d *Distributor) send(ctx context.Context, b *batch) error {
	start := time.Now()
	d.m.appends.WithLabelValues(b.addr).Inc()
	c, err := d.client(b.addr)
	if err == nil {
		_, err = c.Push(ctx, b.req)
	}
	outcome := "ok"
	if err == nil {
		d.m.pushes.WithLabelValues(b.addr, "success").Inc()
	} else {
		outcome = "error"
		if httpStatusOfIngesterError(err) < 500 {
			outcome = "client_error"
		}
		d.m.appendFailures.WithLabelValues(b.addr).Inc()
		d.m.pushes.WithLabelValues(b.addr, "failure").Inc()
		d.logger.Debug("push to ingester", "addr", b.addr, "streams", len(b.req.Streams), "err", err)
	}
	d.m.sendDuration.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	return err
}

// failure turns the streams that lost their quorum into one error: a 5xx when any of them
// failed for a reason the client should retry, else 429, else the 400 with the ingesters'
// texts.
func (d *Distributor) failure(streams []*logproto.StreamAdapter, tracks []streamTrack) error {
	worst := 0
	var msgs validationErrors
	for i := range tracks {
		t := &tracks[i]
		if t.failed <= t.maxFailures {
			continue
		}
		s := httpStatusOfIngesterError(t.err)
		if s >= 500 {
			d.logger.Warn("stream lost its write quorum", "stream", streams[i].Labels, "ok", t.ok, "failed", t.failed, "err", t.err)
		}
		if rank(s) > rank(worst) {
			worst, msgs = s, validationErrors{}
		}
		if s == worst {
			msgs.add(ingesterErrorText(t.err))
		}
	}
	if worst == 0 {
		return nil
	}
	kind := "rejected"
	if worst >= 500 {
		kind = "unavailable"
	}
	d.m.quorumFailures.WithLabelValues(kind).Inc()
	msg := strings.Join(msgs.msgs, "\n")
	if worst >= 500 {
		msg = "push to ingesters failed: " + msg
	}
	return &PushError{Status: worst, Msg: msg}
}

// rank orders statuses by what the client must do: retry (5xx) beats slow down (429) beats
// fix the input (4xx).
func rank(s int) int {
	switch {
	case s >= 500:
		return 3
	case s == http.StatusTooManyRequests:
		return 2
	case s > 0:
		return 1
	}
	return 0
}
