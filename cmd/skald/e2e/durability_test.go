//go:build e2e

package e2e

import (
	"fmt"
	"github.com/skaldlogs/skald/cmd/skald/internal/proctest"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadWorker pushes batches to its own stream until stopped or the server goes away, recording
// which sequence numbers were acknowledged (204) and which were only attempted.
type loadWorker struct {
	id      int
	next    int64 // next sequence number to send
	acked   map[int64]bool
	sent    map[int64]bool
	retried int // non-204 answers that a client would retry
}

func (w *loadWorker) stream(base int64, n int) proctest.Stream {
	s := proctest.NewStream(map[string]string{"job": "kill", "worker": strconv.Itoa(w.id)})
	for i := 0; i < n; i++ {
		seq := w.next
		w.next++
		s.Entries = append(s.Entries, proctest.Line{TS: base + seq*int64(time.Microsecond), Text: fmt.Sprintf("worker=%d seq=%d payload=%s", w.id, seq, strings.Repeat("x", 64))})
	}
	return s
}

func (w *loadWorker) run(p *proctest.Proc, base int64, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		s := w.stream(base, 100)
		for _, e := range s.Entries {
			w.sent[seqOf(e.Text)] = true
		}
		code, _, err := proctest.Post(p.URL("/loki/api/v1/push"), proctest.ProtoBody([]proctest.Stream{s}), map[string]string{"Content-Type": "application/x-protobuf"})
		if err != nil {
			return // the process is gone
		}
		if code != 204 {
			w.retried++
			continue
		}
		for _, e := range s.Entries {
			w.acked[seqOf(e.Text)] = true
		}
	}
}

func seqOf(text string) int64 {
	i := strings.Index(text, "seq=")
	j := strings.Index(text[i:], " ")
	n, _ := strconv.ParseInt(text[i+4:i+j], 10, 64)
	return n
}

// TestKillUnderLoad kills the process with SIGKILL while pushes are in flight, several times,
// and proves that every acknowledged line is returned exactly once after the restarts.
func TestKillUnderLoad(t *testing.T) {
	p := proctest.StartSkald(t, t.TempDir(), proctest.Unlimited...)
	base := time.Now().Add(-20 * time.Minute).UnixNano()
	workers := make([]*loadWorker, 6)
	for i := range workers {
		workers[i] = &loadWorker{id: i, acked: map[int64]bool{}, sent: map[int64]bool{}}
	}
	for round := 0; round < 3; round++ {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Add(1)
			go func() { defer wg.Done(); w.run(p, base, stop) }()
		}
		time.Sleep(time.Duration(1000+rand.IntN(2000)) * time.Millisecond)
		p.Kill() // mid-flight: some pushes are in the WAL but not acknowledged, some neither
		close(stop)
		wg.Wait()
		ready := p.Start()
		t.Logf("round %d: restarted after SIGKILL, ready in %v", round, ready)
	}
	var acked, found, dups, retried int
	end := time.Now().UnixNano()
	for _, w := range workers {
		seen := map[int64]int{}
		for _, l := range p.AllLines(t, fmt.Sprintf(`{job="kill", worker="%d"}`, w.id), base, end) {
			seq := seqOf(l.Text)
			seen[seq]++
			if !w.sent[seq] {
				t.Errorf("worker %d: line seq %d was never sent", w.id, seq)
			}
		}
		for seq, n := range seen {
			if n > 1 {
				dups += n - 1
				t.Errorf("worker %d: seq %d returned %d times", w.id, seq, n)
			}
		}
		for seq := range w.acked {
			if seen[seq] == 0 {
				t.Errorf("worker %d: acknowledged seq %d lost", w.id, seq)
			}
		}
		acked += len(w.acked)
		found += len(seen)
		retried += w.retried
	}
	total := p.InstantValue(t, `sum(count_over_time({job="kill"}[1h]))`, end)
	t.Logf("SIGKILL x3 under load: acknowledged %d, found %d (%d sent but unacknowledged), duplicates %d, non-204 answers %d, count_over_time %v",
		acked, found, found-acked, dups, retried, total)
	if acked == 0 {
		t.Fatal("no push was acknowledged")
	}
	if int(total) != found {
		t.Errorf("sum(count_over_time) = %v, but paging found %d lines", total, found)
	}
}

// TestCleanRestartAfterBulkPush pushes SKALD_E2E_BULK_BYTES (default 1 GiB) as fast as it goes,
// stops the process with SIGTERM right after, restarts it, and requires the exact count back.
func TestCleanRestartAfterBulkPush(t *testing.T) {
	total := int64(1 << 30)
	if v := os.Getenv("SKALD_E2E_BULK_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("SKALD_E2E_BULK_BYTES: %v", err)
		}
		total = n
	}
	p := proctest.StartSkald(t, t.TempDir(), proctest.Unlimited...)
	base := time.Now().Add(-30 * time.Minute).UnixNano()
	const workers, streamsPerWorker, linesPerStream = 4, 10, 400 // ~1 MiB bodies of ~250-byte lines
	var (
		sentBytes, ackedLines, failed atomic.Int64
		wg                            sync.WaitGroup
	)
	began := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			seq := int64(0)
			for sentBytes.Load() < total {
				var streams []proctest.Stream
				n, size := 0, int64(0)
				for s := 0; s < streamsPerWorker; s++ {
					st := proctest.NewStream(map[string]string{"job": "bulk", "worker": strconv.Itoa(w), "stream": strconv.Itoa(s)})
					for i := 0; i < linesPerStream; i++ {
						seq++
						text := fmt.Sprintf(`{"level":"info","status":%d,"seq":%d,"msg":"%s"}`, 200+rng.IntN(400), seq, strings.Repeat("abcdefgh", 25))
						st.Entries = append(st.Entries, proctest.Line{TS: base + seq*int64(time.Microsecond), Text: text})
						size += int64(len(text))
						n++
					}
					streams = append(streams, st)
				}
				code, body, err := proctest.Post(p.URL("/loki/api/v1/push"), proctest.ProtoBody(streams), map[string]string{"Content-Type": "application/x-protobuf"})
				if err != nil || code != 204 {
					failed.Add(1)
					t.Errorf("bulk push: %d %s %v", code, body, err)
					return
				}
				sentBytes.Add(size)
				ackedLines.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	took := time.Since(began)
	p.Stop()
	ready := p.Start()
	end := time.Now().UnixNano()
	got := p.InstantValue(t, `sum(count_over_time({job="bulk"}[1h]))`, end)
	t.Logf("bulk: %d lines (%.0f MiB) acknowledged in %v (%.1f MiB/s), SIGTERM, restart ready in %v, count after restart %v",
		ackedLines.Load(), float64(sentBytes.Load())/(1<<20), took.Round(time.Millisecond), float64(sentBytes.Load())/(1<<20)/took.Seconds(), ready.Round(time.Millisecond), got)
	if int64(got) != ackedLines.Load() {
		t.Fatalf("after a clean restart: %v lines, want exactly %d acknowledged", got, ackedLines.Load())
	}
}
