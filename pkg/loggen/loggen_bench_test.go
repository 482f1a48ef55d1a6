package loggen

import "testing"

// BenchmarkGenerate measures line generation, the loggen client's own cost per line.
func BenchmarkGenerate(b *testing.B) {
	g, _ := NewGenerator(1, 100, FormatMixed)
	ts := int64(1700000000000000000)
	n := 0
	for b.Loop() {
		e := g.Next(ts)
		ts++
		n += len(e.Line)
	}
	b.SetBytes(int64(n / max(1, b.N)))
}

// BenchmarkEncodeProto measures building and encoding a 512 KiB push.
func BenchmarkEncodeProto(b *testing.B) {
	g, _ := NewGenerator(1, 100, FormatMixed)
	ts := int64(1700000000000000000)
	batch := g.NewBatch()
	batch.Fill(512<<10, 0, &ts, 1)
	b.SetBytes(int64(batch.Bytes))
	for b.Loop() {
		if _, err := batch.EncodeProto(); err != nil {
			b.Fatal(err)
		}
	}
}
