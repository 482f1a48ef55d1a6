package index

import (
	"testing"
	"time"
)

func TestSegmentKey(t *testing.T) {
	f := func(seg Segment, want string) {
		t.Helper()
		key, err := SegmentKey(seg)
		if err != nil || key != want {
			t.Fatalf("SegmentKey(%+v) = %q, %v; want %q", seg, key, err, want)
		}
		got, err := ParseSegmentKey(key)
		if err != nil || got != seg {
			t.Fatalf("ParseSegmentKey(%q) = %+v, %v; want %+v", key, got, err, seg)
		}
	}
	f(Segment{Period: 20417, Tenant: "fake", Writer: "ingester-1", Seq: 1}, "index/20417/fake/ingester-1-0000000000000001.idx")
	f(Segment{Period: 0, Tenant: "team-a.b_c", Writer: "compactor", Seq: 1<<64 - 1}, "index/0/team-a.b_c/compactor-ffffffffffffffff.idx")
	f(Segment{Period: -1, Tenant: "t", Writer: "w-", Seq: 10}, "index/-1/t/w--000000000000000a.idx")

	for _, seg := range []Segment{{Tenant: "", Writer: "w"}, {Tenant: "a/b", Writer: "w"}, {Tenant: "t", Writer: ""}, {Tenant: "..", Writer: "w"}} {
		if _, err := SegmentKey(seg); err == nil {
			t.Errorf("SegmentKey(%+v): no error", seg)
		}
	}
	for _, key := range []string{
		"", "index/1/t/w-0000000000000001", "chunks/1/t/w-0000000000000001.idx", "index/x/t/w-0000000000000001.idx",
		"index/01/t/w-0000000000000001.idx", "index/1//w-0000000000000001.idx", "index/1/t/w-1.idx",
		"index/1/t/-0000000000000001.idx", "index/1/t/w-000000000000000A.idx", "index/1/t/u/w-0000000000000001.idx",
		"index/1/t/w-00000000000000g1.idx",
	} {
		if _, err := ParseSegmentKey(key); err == nil {
			t.Errorf("ParseSegmentKey(%q): no error", key)
		}
	}
	if p := TenantPrefix(5, "fake"); p != "index/5/fake/" {
		t.Errorf("TenantPrefix = %q", p)
	}
}

func TestPeriod(t *testing.T) {
	day := int64(24 * time.Hour)
	f := func(ts, want int64) {
		t.Helper()
		if got := Period(ts); got != want {
			t.Errorf("Period(%d) = %d, want %d", ts, got, want)
		}
		from, through := PeriodBounds(want)
		if ts < from || ts > through {
			t.Errorf("PeriodBounds(%d) = [%d, %d] does not hold %d", want, from, through, ts)
		}
	}
	f(0, 0)
	f(day-1, 0)
	f(day, 1)
	f(-1, -1)
	f(-day, -1)
	f(-day-1, -2)
	f(time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC).UnixNano(), 20782)
	if got := Periods(day-1, 2*day); len(got) != 3 || got[0] != 0 || got[2] != 2 {
		t.Errorf("Periods = %v", got)
	}
	if got := Periods(5, 4); got != nil {
		t.Errorf("Periods(empty) = %v", got)
	}
}

func FuzzParseSegmentKey(f *testing.F) {
	f.Add("index/20417/fake/ingester-1-0000000000000001.idx")
	f.Add("index/-1/t/w--000000000000000a.idx")
	f.Add("index/1/t/w-1.idx")
	f.Fuzz(func(t *testing.T, key string) {
		seg, err := ParseSegmentKey(key)
		if err != nil {
			return
		}
		back, err := SegmentKey(seg)
		if err != nil || back != key {
			t.Fatalf("round trip of %q: %q, %v", key, back, err)
		}
	})
}
