package ring

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hashicorp/raft"

	"github.com/skaldlogs/skald/proto/ringpb"
)

func benchMembers(n, tokens int) []*ringpb.Member {
	rnd := rand.New(rand.NewPCG(1, 2))
	taken := map[uint32]bool{}
	var ms []*ringpb.Member
	for i := range n {
		toks := freeTokens(tokens, taken, rnd)
		for _, t := range toks {
			taken[t] = true
		}
		ms = append(ms, member(fmt.Sprintf("ingester-%d", i), ringpb.State_ACTIVE, 0, toks...))
	}
	return ms
}

func BenchmarkDescGet(b *testing.B) {
	for _, n := range []int{3, 10, 50} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			d := newDesc(benchMembers(n, 128), 3, 0)
			b.ReportAllocs()
			key := uint32(0)
			for b.Loop() {
				key += 0x9e3779b9
				if _, err := d.get(key, Write, t0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDescGetAllHealthy(b *testing.B) {
	d := newDesc(benchMembers(10, 128), 3, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.getAllHealthy(Read, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewDesc is the cost of each ring change on every member and watcher.
func BenchmarkNewDesc(b *testing.B) {
	ms := benchMembers(10, 128)
	b.ReportAllocs()
	for b.Loop() {
		newDesc(ms, 3, 0)
	}
}

// BenchmarkNewDescHeartbeat is the same after a heartbeat: the token table is reused.
func BenchmarkNewDescHeartbeat(b *testing.B) {
	ms := benchMembers(10, 128)
	prev := newDesc(ms, 3, 0)
	b.ReportAllocs()
	for b.Loop() {
		newDescFrom(prev, ms, 3, 0)
	}
}

func BenchmarkFSMApplyHeartbeat(b *testing.B) {
	f := newFSM(nil)
	for i, m := range benchMembers(10, 128) {
		f.Apply(&raft.Log{Index: uint64(i + 1), Data: cmdBytes(b, register(m.Id, 1, m.Tokens...))})
	}
	hb := cmdBytes(b, &ringpb.Command{Cmd: &ringpb.Command_Heartbeat{Heartbeat: &ringpb.HeartbeatCommand{Id: "ingester-3", NowUnixNano: 5}}})
	b.ReportAllocs()
	idx := uint64(100)
	for b.Loop() {
		idx++
		f.Apply(&raft.Log{Index: idx, Data: hb})
	}
}
