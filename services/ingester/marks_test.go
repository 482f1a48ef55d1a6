package ingester

import (
	"maps"
	"testing"
)

func TestMarksRoundTrip(t *testing.T) {
	f := func(m map[markKey]uint64) {
		t.Helper()
		got, err := decodeMarks(encodeMarks(m))
		if err != nil || !maps.Equal(got, m) {
			t.Fatalf("round trip of %v = %v, %v", m, got, err)
		}
	}
	f(map[markKey]uint64{})
	f(map[markKey]uint64{{"t", 1}: 5})
	f(map[markKey]uint64{{"t", 1}: 5, {"u", 1<<63 + 7}: 1 << 40, {"", 0}: 0})
	for _, bad := range [][]byte{{2}, {1, 5}, {1, 1, 9, 'a'}, {1, 1, 0, 1, 2}, {1, 0, 7}} {
		if _, err := decodeMarks(bad); err == nil {
			t.Errorf("decodeMarks(%v) accepted corrupt input", bad)
		}
	}
}

func FuzzDecodeMarks(f *testing.F) {
	f.Add(encodeMarks(map[markKey]uint64{{"t", 1}: 5, {"u", 2}: 9}))
	f.Add([]byte{1, 1, 9, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMarks(b)
		if err != nil {
			return
		}
		if again, err := decodeMarks(encodeMarks(m)); err != nil || !maps.Equal(again, m) {
			t.Fatalf("re-encoding %v gave %v, %v", m, again, err)
		}
	})
}
