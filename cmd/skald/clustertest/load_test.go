//go:build cluster

package clustertest

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skaldlogs/skald/cmd/skald/internal/proctest"
)

// load pushes unique lines through the distributors from several workers, each owning one
// stream. A push that does not get 204 is retried with the same lines, as an agent would, and
// counted; a line counts as acknowledged once a push carrying it got 204.
type load struct {
	c       *cluster
	base    int64
	workers []*worker

	stop chan struct{}
	wg   sync.WaitGroup

	retries   atomic.Int64 // non-204 answers or transport errors that were retried
	lastAckNs atomic.Int64 // when the last push was acknowledged
}

type worker struct {
	id    int
	next  int64
	sent  map[int64]bool
	acked map[int64]bool
}

func newLoad(c *cluster, workers int) *load {
	l := &load{c: c, base: time.Now().Add(-10 * time.Minute).UnixNano()}
	for i := range workers {
		l.workers = append(l.workers, &worker{id: i, sent: map[int64]bool{}, acked: map[int64]bool{}})
	}
	return l
}

func (l *load) start() {
	l.stop = make(chan struct{})
	for _, w := range l.workers {
		l.wg.Add(1)
		go func() { defer l.wg.Done(); l.run(w) }()
	}
}

func (l *load) pause() {
	close(l.stop)
	l.wg.Wait()
}

func (l *load) run(w *worker) {
	for n := 0; ; n++ {
		select {
		case <-l.stop:
			return
		default:
		}
		s := proctest.NewStream(map[string]string{"job": "cluster", "worker": strconv.Itoa(w.id)})
		var seqs []int64
		for range 50 {
			seq := w.next
			w.next++
			seqs = append(seqs, seq)
			w.sent[seq] = true
			s.Entries = append(s.Entries, proctest.Line{TS: l.base + seq*int64(time.Microsecond), Text: fmt.Sprintf("worker=%d seq=%d", w.id, seq)})
		}
		body := proctest.ProtoBody([]proctest.Stream{s})
		for try := 0; ; try++ {
			d := l.c.distributors[(n+try)%len(l.c.distributors)]
			code, _, err := proctest.Post(d.URL("/loki/api/v1/push"), body, map[string]string{"Content-Type": "application/x-protobuf"})
			if err == nil && code == 204 {
				for _, seq := range seqs {
					w.acked[seq] = true
				}
				l.lastAckNs.Store(time.Now().UnixNano())
				break
			}
			l.retries.Add(1)
			select {
			case <-l.stop:
				return // unacknowledged: the lines may or may not be stored
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// verify reads every worker's stream through the querier and checks exactly-once delivery of
// acknowledged lines. It returns the counts for the report.
func (l *load) verify(t *testing.T, phase string) (acked, found, dups int) {
	t.Helper()
	end := time.Now().UnixNano()
	for _, w := range l.workers {
		seen := map[int64]int{}
		for _, ln := range l.c.querier.AllLines(t, fmt.Sprintf(`{job="cluster", worker="%d"}`, w.id), l.base, end) {
			i := strings.Index(ln.Text, "seq=")
			seq, err := strconv.ParseInt(ln.Text[i+4:], 10, 64)
			if err != nil {
				t.Fatalf("%s: unexpected line %q", phase, ln.Text)
			}
			seen[seq]++
			if !w.sent[seq] {
				t.Errorf("%s: worker %d: seq %d was never sent", phase, w.id, seq)
			}
		}
		for seq, n := range seen {
			if n > 1 {
				dups += n - 1
				if dups < 10 {
					t.Errorf("%s: worker %d: seq %d returned %d times", phase, w.id, seq, n)
				}
			}
		}
		lost := 0
		for seq := range w.acked {
			if seen[seq] == 0 {
				lost++
				if lost < 4 {
					t.Errorf("%s: worker %d: acknowledged seq %d lost (a direct search finds it %d times)", phase, w.id, seq,
						len(l.c.querier.AllLines(t, fmt.Sprintf(`{job="cluster", worker="%d"} |= "seq=%d"`, w.id, seq), l.base, end)))
				}
			}
		}
		acked += len(w.acked)
		found += len(seen)
	}
	return acked, found, dups
}
