package logqltest

import (
	"fmt"

	"github.com/skaldlogs/skald/pkg/logql"
)

// Points flattens a metric result (vector or matrix) into "labels@time" → value, so that two
// results can be compared regardless of series order.
func Points(r logql.Result) map[string]float64 {
	out := map[string]float64{}
	for _, s := range r.Vector {
		out[fmt.Sprintf("%s@%d", s.Metric, s.T)] = s.V
	}
	for _, s := range r.Matrix {
		for _, p := range s.Points {
			out[fmt.Sprintf("%s@%d", s.Metric, p.T)] = p.V
		}
	}
	return out
}
