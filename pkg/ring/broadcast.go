package ring

import (
	"sync"
	"time"

	"github.com/skaldlogs/skald/proto/ringpb"
)

// broadcaster wakes every waiter on each change: Wait returns a channel closed by the next
// Notify. Waiters take the channel before reading the state, so no change is missed.
type broadcaster struct {
	mu sync.Mutex
	ch chan struct{}
}

func newBroadcaster() *broadcaster { return &broadcaster{ch: make(chan struct{})} }

func (b *broadcaster) Wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ch
}

func (b *broadcaster) Notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.ch)
	b.ch = make(chan struct{})
}

// ringView pairs a ring state with the desc that answers ReadRing from it.
type ringView struct {
	state *ringpb.RingState
	desc  *desc
}

// newRingView builds the view of st, reusing prev's token table when the tokens did not change.
func newRingView(prev *ringView, st *ringpb.RingState, rf int, heartbeatTimeout time.Duration) *ringView {
	var pd *desc
	if prev != nil {
		pd = prev.desc
	}
	return &ringView{state: st, desc: newDescFrom(pd, st.Members, rf, heartbeatTimeout)}
}
