package bench

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"
	"google.golang.org/protobuf/proto"

	"github.com/skaldlogs/skald/proto/logproto"
)

func smallConfig(seed int64) DatasetConfig {
	return DatasetConfig{
		Seed: seed, Bytes: 300 << 10, Streams: 10, BatchBytes: 32 << 10, Needles: 4,
		Step: time.Millisecond, Start: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
	}
}

// generate returns the data set and its decoded push bodies.
func generate(t testing.TB, cfg DatasetConfig) (*Dataset, [][]byte, []*logproto.PushRequest) {
	t.Helper()
	var bodies [][]byte
	ds, err := Generate(cfg, func(b []byte) error { bodies = append(bodies, bytes.Clone(b)); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var reqs []*logproto.PushRequest
	for _, b := range bodies {
		raw, err := snappy.Decode(nil, b)
		if err != nil {
			t.Fatal(err)
		}
		var req logproto.PushRequest
		if err := proto.Unmarshal(raw, &req); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, &req)
	}
	return ds, bodies, reqs
}

func TestGenerateIsDeterministic(t *testing.T) {
	_, a, _ := generate(t, smallConfig(7))
	_, b, _ := generate(t, smallConfig(7))
	if len(a) != len(b) || len(a) < 5 {
		t.Fatalf("got %d and %d bodies, want equal and >= 5", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("body %d differs between two generations with the same seed", i)
		}
	}
	_, c, _ := generate(t, smallConfig(8))
	if bytes.Equal(a[0], c[0]) {
		t.Fatal("different seeds gave the same first body")
	}
}

func TestGenerateSummariesMatchBodies(t *testing.T) {
	cfg := smallConfig(3)
	ds, _, reqs := generate(t, cfg)
	if len(ds.Batches) != len(reqs) {
		t.Fatalf("%d batch summaries for %d bodies", len(ds.Batches), len(reqs))
	}
	var total int64
	var needles []string
	prev := int64(0)
	for i, req := range reqs {
		var lines, nbytes, e5xx int
		var levels [4]int
		probe := 0
		for _, s := range req.Streams {
			isProbe := s.Labels == `{app="api", env="prod", format="json", job="loggen", pod="api-prod-00000"}`
			for _, e := range s.Entries {
				line := e.Line
				lines++
				nbytes += len(line)
				ts := e.Timestamp.AsTime().UnixNano()
				if ts%int64(time.Millisecond) != int64(boundaryOffset%time.Millisecond) {
					t.Fatalf("timestamp %d is not %v past a millisecond", ts, boundaryOffset)
				}
				prev = max(prev, ts)
				if strings.Contains(line, ds.Token) {
					needles = append(needles, TraceID(line))
				}
				for l, name := range Levels {
					if strings.Contains(line, `"level":"`+name+`"`) {
						levels[l]++
					}
				}
				if st, _ := strconv.Atoi(jsonNumber(line, "status")); st >= 500 {
					e5xx++
				}
				if isProbe {
					probe++
				}
			}
		}
		b := ds.Batches[i]
		if b.Lines != lines || b.Bytes != nbytes || b.Levels != levels || b.Status5xx != e5xx || len(b.Probe) != probe {
			t.Fatalf("batch %d summary %+v does not match its body: lines %d bytes %d levels %v 5xx %d probe %d",
				i, b, lines, nbytes, levels, e5xx, probe)
		}
		total += int64(nbytes)
	}
	if total < cfg.Bytes || total > cfg.Bytes+4096 {
		t.Fatalf("generated %d bytes, want %d (plus at most one line)", total, cfg.Bytes)
	}
	if prev != ds.Last {
		t.Fatalf("last timestamp %d, data set says %d", prev, ds.Last)
	}
	exp := ds.Expect(nil, Queries(ds))
	if len(needles) != cfg.Needles || strings.Join(sorted(needles), ",") != strings.Join(exp.Needles, ",") {
		t.Fatalf("token %q found in lines with trace ids %v, expected needles %v", ds.Token, needles, exp.Needles)
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

func TestInjectNeedle(t *testing.T) {
	f := func(line, want string) {
		t.Helper()
		if got := InjectNeedle(line, "needle1", 2); got != want {
			t.Errorf("InjectNeedle(%q) = %q, want %q", line, got, want)
		}
	}
	f(`{"level":"info","msg":"cache hit"}`, `{"level":"info","msg":"cache hit needle1 n2"}`)
	f(`plain line`, `plain line needle1`)
	f(``, ` needle1`)
}

func TestNeedleTokenNeverInGeneratedLines(t *testing.T) {
	tok := NeedleToken(1)
	if strings.Trim(tok[len("needle"):], "0123456789abcdef") != "" || !strings.HasPrefix(tok, "needle") {
		t.Fatalf("token %q: want needle + hex", tok)
	}
	if NeedleToken(1) != tok || NeedleToken(2) == tok {
		t.Fatal("needle token is not a function of the seed")
	}
}

func TestValidate(t *testing.T) {
	f := func(mut func(*DatasetConfig), wantErr bool) {
		t.Helper()
		c := smallConfig(1)
		mut(&c)
		if err := c.Validate(); (err != nil) != wantErr {
			t.Errorf("Validate(%+v) = %v, want error %v", c, err, wantErr)
		}
	}
	f(func(*DatasetConfig) {}, false)
	f(func(c *DatasetConfig) { c.Bytes = 0 }, true)
	f(func(c *DatasetConfig) { c.Streams = 0 }, true)
	f(func(c *DatasetConfig) { c.BatchBytes = 0 }, true)
	f(func(c *DatasetConfig) { c.Needles = 0 }, true)
	f(func(c *DatasetConfig) { c.Step = 1500 * time.Microsecond }, true)
	if _, err := Generate(DatasetConfig{Seed: 1, Bytes: 1000, Streams: 1, BatchBytes: 100, Needles: 50, Step: time.Millisecond}, func([]byte) error { return nil }); err == nil {
		t.Error("Generate with more needles than lines succeeded")
	}
}

func TestStartForEndsBeforeNow(t *testing.T) {
	cfg := smallConfig(1)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cfg.Start = StartFor(cfg, now, 2*time.Minute)
	ds, _, _ := generate(t, cfg)
	end := time.Unix(0, ds.Last)
	if end.After(now.Add(-2*time.Minute)) || end.Before(now.Add(-3*time.Minute)) {
		t.Fatalf("data set ends at %v, want 2-3 minutes before %v", end, now)
	}
	// A bigger data set (a longer span) must not end in the future either.
	cfg.Bytes = 64 << 20
	cfg.BatchBytes = 1 << 20
	cfg.Start = StartFor(cfg, now, 2*time.Minute)
	ds, err := Generate(cfg, func([]byte) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if end := time.Unix(0, ds.Last); end.After(now.Add(-2*time.Minute)) || end.Before(now.Add(-4*time.Minute)) {
		t.Fatalf("64 MiB data set ends at %v, want 2-4 minutes before %v", end, now)
	}
}
