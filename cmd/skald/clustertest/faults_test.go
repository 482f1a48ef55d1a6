//go:build cluster

package clustertest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestClusterFaults runs the faults of issue 5 one after another under load and proves after
// each that every acknowledged line is returned exactly once.
func TestClusterFaults(t *testing.T) {
	c := startCluster(t)
	l := newLoad(c, 6)
	type result struct {
		phase              string
		acked, found, dups int
		retries            int64
		recovery           time.Duration
	}
	var results []result

	phase := func(name string, fault func() time.Duration) {
		t.Helper()
		retriesBefore := l.retries.Load()
		l.start()
		time.Sleep(2 * time.Second) // load before the fault
		recovery := fault()
		time.Sleep(3 * time.Second) // load after recovery
		l.pause()
		acked, found, dups := l.verify(t, name)
		r := result{name, acked, found, dups, l.retries.Load() - retriesBefore, recovery}
		results = append(results, r)
		t.Logf("%-28s acknowledged %7d  found %7d  duplicates %d  retried pushes %4d  recovery %v",
			name, r.acked, r.found, r.dups, r.retries, r.recovery.Round(time.Millisecond))
		if t.Failed() {
			t.FailNow()
		}
	}

	phase("baseline", func() time.Duration { return 0 })

	phase("(a) SIGKILL an ingester", func() time.Duration {
		p := c.ingester("ing-2")
		p.Kill()
		time.Sleep(time.Second)
		return p.Start()
	})

	phase("(b) SIGKILL the Raft leader", func() time.Duration {
		leader, _, _ := c.ringPage()
		p := c.ingester(leader)
		began := time.Now()
		p.Kill()
		for {
			if l, _, ok := c.ringPage(); ok && l != "" && l != leader {
				break
			}
			if time.Since(began) > time.Minute {
				t.Fatalf("no new Raft leader a minute after killing %s", leader)
			}
			time.Sleep(50 * time.Millisecond)
		}
		elected := time.Since(began)
		t.Logf("new leader %v after killing leader %s", elected.Round(time.Millisecond), leader)
		p.Start()
		return elected
	})

	phase("(c) wipe an ingester's disk", func() time.Duration {
		p := c.ingester("ing-3")
		p.Kill()
		if err := os.RemoveAll(filepath.Join(p.Dir, "data")); err != nil {
			t.Fatal(err)
		}
		return p.Start()
	})

	phase("(d) rolling restart", func() time.Duration {
		var total time.Duration
		for _, p := range c.ingesters {
			p.Stop()
			total += p.Start()
			c.waitRingActive(3)
		}
		return total
	})

	phase("(e) SIGKILL a NATS node", func() time.Duration {
		n := c.nats[1]
		n.Kill()
		time.Sleep(5 * time.Second) // pushes continue on the two remaining nodes
		return n.Start()
	})
}
