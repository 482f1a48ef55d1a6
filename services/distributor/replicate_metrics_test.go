package distributor

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// histogramOf returns the sample count and sum of an unlabelled histogram in reg.
func histogramOf(t *testing.T, reg *prometheus.Registry, name string) (uint64, float64) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			h := mf.GetMetric()[0].GetHistogram()
			return h.GetSampleCount(), h.GetSampleSum()
		}
	}
	return 0, 0
}

func TestReplicationMetrics(t *testing.T) {
	unavailable := failWith(status.Error(codes.Unavailable, "connection refused"))
	invalid := failWith(status.Error(codes.InvalidArgument, "entry out of order"))
	f := func(name string, fails []func(context.Context) error, wantCode int, wantOK, wantFailed [3]float64, wantReplicas float64, wantQuorum map[string]float64) {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, 3, 3, nil)
			for i, fail := range fails {
				h.ingesters[i].fail = fail
			}
			// Two streams, both on all three ingesters (RF 3 of 3).
			code, body := h.post(t, jsonPush(jsonStream(`{"a":"1"}`, "x"), jsonStream(`{"a":"2"}`, "y")), "application/json", "t1")
			if code != wantCode {
				t.Fatalf("%d %s", code, body)
			}
			// Replicas are counted once every send ended, which may be after the answer.
			deadline := time.Now().Add(5 * time.Second)
			for {
				n, sum := histogramOf(t, h.reg, "skald_distributor_replicas_written")
				if n == 2 {
					if sum != wantReplicas {
						t.Errorf("replicas written sum %v, want %v", sum, wantReplicas)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("replicas written observed %d times", n)
				}
				time.Sleep(5 * time.Millisecond)
			}
			for i, ing := range h.ingesters {
				if v := testutil.ToFloat64(h.d.m.pushes.WithLabelValues(ing.addr, "success")); v != wantOK[i] {
					t.Errorf("%s success %v, want %v", ing.addr, v, wantOK[i])
				}
				if v := testutil.ToFloat64(h.d.m.pushes.WithLabelValues(ing.addr, "failure")); v != wantFailed[i] {
					t.Errorf("%s failure %v, want %v", ing.addr, v, wantFailed[i])
				}
			}
			for _, kind := range []string{"unavailable", "rejected"} {
				if v := testutil.ToFloat64(h.d.m.quorumFailures.WithLabelValues(kind)); v != wantQuorum[kind] {
					t.Errorf("quorum failures %s = %v, want %v", kind, v, wantQuorum[kind])
				}
			}
		})
	}
	f("all healthy", nil, 204, [3]float64{1, 1, 1}, [3]float64{}, 6, nil)
	f("one down", []func(context.Context) error{unavailable}, 204, [3]float64{0, 1, 1}, [3]float64{1, 0, 0}, 4, nil)
	f("two down", []func(context.Context) error{unavailable, nil, unavailable}, 503, [3]float64{0, 1, 0}, [3]float64{1, 0, 1}, 2,
		map[string]float64{"unavailable": 1})
	f("rejected", []func(context.Context) error{invalid, invalid, invalid}, 400, [3]float64{}, [3]float64{1, 1, 1}, 0,
		map[string]float64{"rejected": 1})
}
