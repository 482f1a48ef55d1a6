package querier

import (
	"sync"

	"github.com/skaldlogs/skald/proto/querierpb"
)

// firstTimes collects, over the ingesters that answered a sample query, the earliest first
// sample per stream (querierpb.SampleQueryResponse.FirstTimes).
type firstTimes struct {
	mu     sync.Mutex
	m      map[uint64]int64
	unsaid bool // an ingester answered without first times (an older version)
}

// add takes an ingester's first response; nil (no response at all) says nothing held.
func (f *firstTimes) add(r *querierpb.SampleQueryResponse) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r == nil {
		return
	}
	if !r.FirstTimesReported {
		f.unsaid = true
		return
	}
	for _, st := range r.FirstTimes {
		if f.m == nil {
			f.m = map[uint64]int64{}
		}
		if t, ok := f.m[st.StreamHash]; !ok || st.Timestamp < t {
			f.m[st.StreamHash] = st.Timestamp
		}
	}
}

// get returns the times, or false when some ingester did not report them.
func (f *firstTimes) get() (map[uint64]int64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m, !f.unsaid
}
