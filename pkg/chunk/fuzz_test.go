package chunk

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/skaldlogs/skald/pkg/iter"
)

// FuzzDecode checks that no input makes Decode or an iterator panic, and that whatever they
// accept is self-consistent.
func FuzzDecode(f *testing.F) {
	for _, c := range allCodecs {
		data, _, err := build(flogEntries(8, 40, true), Options{Codec: c, BlockSize: 1 << 10})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	old, _, err := buildVersion(flogEntries(8, 40, true), Options{BlockSize: 1 << 10}, formatVersionNoHashes)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(old)
	empty, _, _ := build(nil, Options{})
	f.Add(empty)
	f.Add([]byte("SKCH"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
		// Reseal the directory checksum so that mutations reach the structural checks behind it.
		if len(data) >= headerSize+trailerSize {
			data = append([]byte(nil), data...)
			tr := data[len(data)-trailerSize:]
			off := binary.LittleEndian.Uint64(tr)
			if off >= headerSize && off < uint64(len(data)-trailerSize) {
				binary.LittleEndian.PutUint32(tr[8:], dirChecksum(data[:headerSize], data[off:len(data)-trailerSize]))
				checkDecode(t, data)
			}
		}
	})
}

func checkDecode(t *testing.T, data []byte) {
	if len(data) >= headerSize {
		// The directory-only path must agree with Decode on what it accepts.
		_, derr := DecodeDirectory(data[:headerSize], data, int64(len(data)))
		_, ferr := Decode(data)
		if (derr == nil) != (ferr == nil) {
			t.Fatalf("DecodeDirectory says %v, Decode says %v", derr, ferr)
		}
		if len(data) > 2*trailerSize {
			_, _ = DecodeDirectory(data[:headerSize], data[len(data)/2:], int64(len(data)))
		}
	}
	ch, err := Decode(data)
	if err != nil {
		var ce *CorruptionError
		if !errors.As(err, &ce) {
			t.Fatalf("Decode error %v is not a CorruptionError", err)
		}
		return
	}
	{
		meta := ch.Meta()
		for _, dir := range []iter.Direction{iter.Forward, iter.Backward} {
			it := ch.Iterator(meta.MinT, meta.MaxT+1, dir, []string{"abc"})
			prev, n := int64(0), 0
			for it.Next() {
				e := it.At()
				if e.Timestamp < meta.MinT || e.Timestamp > meta.MaxT {
					t.Fatalf("entry at %d outside [%d, %d]", e.Timestamp, meta.MinT, meta.MaxT)
				}
				if n > 0 && ((dir == iter.Forward && e.Timestamp < prev) || (dir == iter.Backward && e.Timestamp > prev)) {
					t.Fatal("entries out of order")
				}
				prev = e.Timestamp
				n++
			}
			if it.Err() == nil && int64(n) > meta.Entries {
				t.Fatalf("%d entries, meta says %d", n, meta.Entries)
			}
		}
		si := ch.SizeIterator(meta.MinT, meta.MaxT+1)
		for si.Next() {
			si.At()
		}
		ii := ch.InfoIterator(meta.MinT, meta.MaxT+1)
		n := int64(0)
		for ii.Next() {
			if info := ii.At(); info.Timestamp < meta.MinT || info.Timestamp > meta.MaxT {
				t.Fatalf("info at %d outside [%d, %d]", info.Timestamp, meta.MinT, meta.MaxT)
			}
			n++
		}
		if ii.Err() == nil && n > meta.Entries {
			t.Fatalf("%d infos, meta says %d", n, meta.Entries)
		}
	}
}

// TestDecodeMutations runs the fuzz body over random mutations of valid chunks, so the property
// is exercised in every test run, not only under -fuzz.
func TestDecodeMutations(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range allCodecs {
		data, _, err := build(flogEntries(8, 60, true), Options{Codec: c, BlockSize: 1 << 10})
		if err != nil {
			t.Fatal(err)
		}
		for range 300 {
			m := append([]byte(nil), data...)
			for range 1 + r.IntN(4) {
				m[r.IntN(len(m))] = byte(r.Uint32())
			}
			if r.IntN(4) == 0 {
				m = m[:r.IntN(len(m))]
			}
			checkDecode(t, m)
			// Resealed, so the mutation reaches the structural checks and the column CRCs.
			if len(m) >= headerSize+trailerSize {
				tr := m[len(m)-trailerSize:]
				off := binary.LittleEndian.Uint64(tr)
				if off >= headerSize && off < uint64(len(m)-trailerSize) {
					binary.LittleEndian.PutUint32(tr[8:], dirChecksum(m[:headerSize], m[off:len(m)-trailerSize]))
					checkDecode(t, m)
				}
			}
		}
	}
}
