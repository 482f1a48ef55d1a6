package ring

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type nodeMetrics struct {
	leaderChanges   prometheus.Counter
	heartbeatErrors prometheus.Counter
	applies         *prometheus.CounterVec
	membership      *prometheus.CounterVec
	applyDuration   prometheus.Histogram
}

func newNodeMetrics(n *Node, reg prometheus.Registerer) *nodeMetrics {
	m := &nodeMetrics{
		leaderChanges: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skald_ring_raft_leader_changes_total",
			Help: "Raft leader changes observed by this member.",
		}),
		heartbeatErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skald_ring_heartbeat_errors_total",
			Help: "Ring heartbeats of this member that failed.",
		}),
		applies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skald_ring_raft_applies_total",
			Help: "Ring commands applied by this member while it was the Raft leader, by result.",
		}, []string{"result"}),
		membership: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skald_ring_raft_membership_changes_total",
			Help: "Raft configuration changes made by this member as leader, by op (add_voter, add_nonvoter, remove).",
		}, []string{"op"}),
		applyDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "skald_ring_raft_apply_duration_seconds",
			Help:    "Time to commit a ring command on the leader.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
	}
	if reg == nil {
		return m
	}
	raftState := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "skald_ring_raft_state",
		Help: "Raft state of this member: 0 follower, 1 candidate, 2 leader, 3 shutdown, -1 not started.",
	}, func() float64 {
		r := n.raft.Load()
		if r == nil {
			return -1
		}
		return float64(r.State())
	})
	lastIndex := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "skald_ring_raft_applied_index",
		Help: "Raft index of the last ring command applied by this member.",
	}, func() float64 { return float64(n.view.Load().state.Index) })
	reg.MustRegister(m.leaderChanges, m.heartbeatErrors, m.applies, m.membership, m.applyDuration, raftState, lastIndex,
		newMembersCollector("skald_ring_members", func() *desc { return n.view.Load().desc }))
	return m
}

// membersCollector reports members by state, UNHEALTHY for stale heartbeats, at scrape time.
type membersCollector struct {
	d    *prometheus.Desc
	desc func() *desc
}

func newMembersCollector(name string, d func() *desc) *membersCollector {
	return &membersCollector{
		d:    prometheus.NewDesc(name, "Ring members by state (UNHEALTHY: heartbeat older than the timeout).", []string{"state"}, nil),
		desc: d,
	}
}

func (c *membersCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.d }

func (c *membersCollector) Collect(ch chan<- prometheus.Metric) {
	counts := map[string]int{"JOINING": 0, "ACTIVE": 0, "LEAVING": 0, "UNHEALTHY": 0}
	d := c.desc()
	now := time.Now()
	for i := range d.instances {
		in := &d.instances[i]
		if !d.fresh(in, now) {
			counts["UNHEALTHY"]++
			continue
		}
		counts[in.State.String()]++
	}
	for s, v := range counts {
		ch <- prometheus.MustNewConstMetric(c.d, prometheus.GaugeValue, float64(v), s)
	}
}
