package validation

import (
	"context"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gopkg.in/yaml.v3"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/logproto"
)

func TestDefaults(t *testing.T) {
	l := Defaults()
	f := func(name string, got, want any) {
		t.Helper()
		if got != want {
			t.Fatalf("%s = %v, want %v", name, got, want)
		}
	}
	f("ingestion_rate_strategy", l.IngestionRateStrategy, "global")
	f("ingestion_rate_mb", l.IngestionRateMB, 4.0)
	f("ingestion_burst_size_mb", l.IngestionBurstSizeMB, 6.0)
	f("max_line_size", l.MaxLineSize, ByteSize(256<<10))
	f("max_label_names_per_series", l.MaxLabelNamesPerSeries, 15)
	f("max_label_name_length", l.MaxLabelNameLength, 1024)
	f("max_label_value_length", l.MaxLabelValueLength, 2048)
	f("reject_old_samples", l.RejectOldSamples, true)
	f("reject_old_samples_max_age", l.RejectOldSamplesMaxAge.String(), "1w")
	f("creation_grace_period", l.CreationGracePeriod.String(), "10m")
	f("max_global_streams_per_user", l.MaxGlobalStreamsPerUser, 5000)
	f("per_stream_rate_limit", l.PerStreamRateLimit.String(), "3MB")
	f("per_stream_rate_limit_burst", l.PerStreamRateLimitBurst.String(), "15MB")
	f("max_entries_limit_per_query", l.MaxEntriesLimitPerQuery, 5000)
	f("max_query_series", l.MaxQuerySeries, 500)
	f("max_query_length", l.MaxQueryLength.String(), "30d1h")
	f("max_structured_metadata_size", l.MaxStructuredMetadataSize.String(), "64KB")
	f("max_structured_metadata_entries_count", l.MaxStructuredMetadataEntriesCount, 128)
	f("allow_structured_metadata", l.AllowStructuredMetadata, true)
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestUnits(t *testing.T) {
	fb := func(in string, want int64) {
		t.Helper()
		got, err := ParseByteSize(in)
		if err != nil || int64(got) != want {
			t.Fatalf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	fb("256KB", 256<<10)
	fb("3MB", 3<<20)
	fb("1GiB", 1<<30)
	fb("1.5mb", 3<<19)
	fb("1024", 1024)
	fb("10b", 10)
	fd := func(in string, want time.Duration) {
		t.Helper()
		got, err := ParseDuration(in)
		if err != nil || time.Duration(got) != want {
			t.Fatalf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	fd("1w", 7*24*time.Hour)
	fd("30d1h", 721*time.Hour)
	fd("10m", 10*time.Minute)
	fd("1h30m0s", 90*time.Minute)
	fd("500ms", 500*time.Millisecond)
	fd("0", 0)
	for _, bad := range []string{"", "abc", "10x", "m10", "-1MB"} {
		if _, err := ParseByteSize(bad); err == nil && bad != "" {
			t.Fatalf("ParseByteSize(%q) accepted", bad)
		}
		if _, err := ParseDuration(bad); err == nil {
			t.Fatalf("ParseDuration(%q) accepted", bad)
		}
	}
	if s := Duration(721 * time.Hour).String(); s != "30d1h" {
		t.Fatal(s)
	}
}

func TestRegisterFlagsOverride(t *testing.T) {
	var l Limits
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	l.RegisterFlags(fs)
	if err := fs.Parse([]string{"-distributor.max-line-size=1MB", "-validation.reject-old-samples.max-age=2d", "-validation.discover-service-name=svc,app", "-distributor.ingestion-rate-limit-strategy=local"}); err != nil {
		t.Fatal(err)
	}
	if l.MaxLineSize != 1<<20 || time.Duration(l.RejectOldSamplesMaxAge) != 48*time.Hour || l.DiscoverServiceName.String() != "svc,app" || l.IngestionRateStrategy != "local" {
		t.Fatalf("%+v", l)
	}
	l.IngestionRateStrategy = "bogus"
	if err := l.Validate(); err == nil {
		t.Fatal("bogus strategy accepted")
	}
}

func TestLimitsYAML(t *testing.T) {
	l := Defaults()
	if err := yaml.Unmarshal([]byte("max_line_size: 1KB\nreject_old_samples_max_age: 2w\ndiscover_service_name: []\n"), &l); err != nil {
		t.Fatal(err)
	}
	if l.MaxLineSize != 1024 || time.Duration(l.RejectOldSamplesMaxAge) != 14*24*time.Hour || len(l.DiscoverServiceName) != 0 || l.MaxLabelNamesPerSeries != 15 {
		t.Fatalf("%+v", l)
	}
	out, err := yaml.Marshal(&l)
	if err != nil || !strings.Contains(string(out), "max_line_size: 1KB") || !strings.Contains(string(out), "reject_old_samples_max_age: 2w") {
		t.Fatalf("%s %v", out, err)
	}
}

func TestParseStream(t *testing.T) {
	l := Defaults()
	l.MaxLabelNamesPerSeries = 2
	l.MaxLabelNameLength = 12
	l.MaxLabelValueLength = 5
	cases := []struct {
		stream, reason, text string
	}{
		{`{a="1"}`, "", ""},
		{`{a="1", b="2", service_name="x"}`, "", ""}, // service_name not counted
		{`{}`, ReasonMissingLabels, "error at least one label pair is required per stream"},
		{`{a="1"`, ReasonInvalidLabels, `error parsing labels '{a="1"' with error: `},
		{`{a=~"1"}`, ReasonInvalidLabels, "error parsing labels"},
		{`{a="1", a="2"}`, ReasonInvalidLabels, "duplicate label name"},
		{`{a="1", b="2", c="3"}`, ReasonMaxLabelNames, `entry for stream '{a="1", b="2", c="3"}' has 3 label names; limit 2`},
		{`{abcdefghijklm="1"}`, ReasonLabelNameTooLong, `stream '{abcdefghijklm="1"}' has label name too long: 'abcdefghijklm'`},
		{`{a="123456"}`, ReasonLabelValueTooLong, `stream '{a="123456"}' has label value too long: '123456'`},
	}
	for _, c := range cases {
		_, err := ParseStream(&l, c.stream)
		if c.reason == "" {
			if err != nil {
				t.Fatalf("%s: %v", c.stream, err)
			}
			continue
		}
		if err == nil || err.Reason != c.reason || err.Status != 400 || !strings.Contains(err.Msg, c.text) {
			t.Fatalf("%s: got %+v, want %s %q", c.stream, err, c.reason, c.text)
		}
	}
	dup := labels.Labels{{Name: "a", Value: "1"}, {Name: "a", Value: "2"}}
	if err := ValidateLabels(&l, dup, "s"); err == nil || err.Reason != ReasonDuplicateLabelNames || err.Msg != "stream 's' has duplicate label name: 'a'" {
		t.Fatalf("duplicate: %+v", err)
	}
}

func TestValidateEntry(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	base := Defaults()
	base.MaxLineSize = 10
	base.MaxStructuredMetadataEntriesCount = 2
	base.MaxStructuredMetadataSize = 8
	ent := func(ts time.Time, line string, sm ...string) *logproto.EntryAdapter {
		e := &logproto.EntryAdapter{Timestamp: timestamppb.New(ts), Line: line}
		for i := 0; i+1 < len(sm); i += 2 {
			e.StructuredMetadata = append(e.StructuredMetadata, &logproto.LabelPairAdapter{Name: sm[i], Value: sm[i+1]})
		}
		return e
	}
	cases := []struct {
		name   string
		mod    func(*Limits)
		e      *logproto.EntryAdapter
		reason string
		text   string
	}{
		{"ok", nil, ent(now, "hello"), "", ""},
		{"too old", nil, ent(now.Add(-8*24*time.Hour), "x"), ReasonTooOld,
			"entry for stream '{a=\"b\"}' has timestamp too old: 2026-11-17T12:00:00Z, oldest acceptable timestamp is: 2026-11-18T12:00:00Z"},
		{"old allowed", func(l *Limits) { l.RejectOldSamples = false }, ent(now.Add(-80*24*time.Hour), "x"), "", ""},
		{"too new", nil, ent(now.Add(11*time.Minute), "x"), ReasonTooNew, "entry for stream '{a=\"b\"}' has timestamp too new: 2026-11-25T12:11:00Z"},
		{"in grace", nil, ent(now.Add(9*time.Minute), "x"), "", ""},
		{"too long", nil, ent(now, "12345678901"), ReasonLineTooLong,
			"max entry size '10' bytes exceeded for stream '{a=\"b\"}' while adding an entry with length '11' bytes"},
		{"unlimited line", func(l *Limits) { l.MaxLineSize = 0 }, ent(now, "12345678901"), "", ""},
		{"sm disallowed", func(l *Limits) { l.AllowStructuredMetadata = false }, ent(now, "x", "k", "v"), ReasonStructuredMetadataDeny, "includes structured metadata, but this feature is disallowed"},
		{"sm too many", nil, ent(now, "x", "a", "1", "b", "2", "c", "3"), ReasonStructuredMetadataMany, "has too many structured metadata labels: '3', limit: '2'"},
		{"sm too large", nil, ent(now, "x", "key", "value1"), ReasonStructuredMetadataLarge, "has structured metadata too large: '9' bytes, limit: '8' bytes"},
		{"sm ok", nil, ent(now, "x", "key", "val"), "", ""},
	}
	for _, c := range cases {
		l := base
		if c.mod != nil {
			c.mod(&l)
		}
		err := ValidateEntry(&l, now, `{a="b"}`, c.e)
		if c.reason == "" {
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || err.Reason != c.reason || !strings.Contains(err.Msg, c.text) {
			t.Fatalf("%s: got %+v, want %s %q", c.name, err, c.reason, c.text)
		}
	}
	l := base
	l.MaxLineSizeTruncate = true
	e := ent(now, "12345678901")
	if err := ValidateEntry(&l, now, "s", e); err != nil || e.Line != "1234567890" {
		t.Fatalf("truncate: %v %q", err, e.Line)
	}
	if n := EntrySize(ent(now, "abc", "k", "vv")); n != 6 {
		t.Fatalf("EntrySize %d", n)
	}
}

func TestDiscoverServiceName(t *testing.T) {
	l := Defaults()
	f := func(in, want string) {
		t.Helper()
		ls, err := labels.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := DiscoverServiceName(&l, ls).String(); got != want {
			t.Fatalf("%s: got %s, want %s", in, got, want)
		}
	}
	f(`{app="api", env="prod"}`, `{app="api", env="prod", service_name="api"}`)
	f(`{service="svc", app="api"}`, `{app="api", service="svc", service_name="svc"}`)
	f(`{job="varlogs", container="c"}`, `{container="c", job="varlogs", service_name="c"}`)
	f(`{env="prod"}`, `{env="prod", service_name="unknown_service"}`)
	f(`{service_name="mine", app="api"}`, `{app="api", service_name="mine"}`)
	f(`{zzz="1"}`, `{service_name="unknown_service", zzz="1"}`)
	l.DiscoverServiceName = nil
	f(`{app="api"}`, `{app="api"}`)
}

func TestDiscardMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m1 := NewDiscardMetrics(reg)
	m2 := NewDiscardMetrics(reg) // a second component in the same process shares the counters
	m1.Add(ReasonLineTooLong, "t1", 2, 100)
	m2.Add(ReasonLineTooLong, "t1", 1, 50)
	m2.Add(ReasonRateLimited, "t1", 0, 0)
	if v := testutil.ToFloat64(m1.samples.WithLabelValues(ReasonLineTooLong, "t1")); v != 3 {
		t.Fatalf("samples %v", v)
	}
	if v := testutil.ToFloat64(m1.bytes.WithLabelValues(ReasonLineTooLong, "t1")); v != 150 {
		t.Fatalf("bytes %v", v)
	}
	if n := testutil.CollectAndCount(m1.samples); n != 1 {
		t.Fatalf("series %d", n)
	}
}

func TestOverridesReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "runtime.yaml")
	// Replace the file atomically, as config managers (and Kubernetes ConfigMaps) do: a reload
	// racing an in-place rewrite could read it half written.
	write := func(s string) {
		t.Helper()
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write("overrides:\n  t1:\n    ingestion_rate_mb: 10\n    max_line_size: 1MB\n")
	reg := prometheus.NewRegistry()
	o, err := NewOverrides(Defaults(), RuntimeConfig{File: path, Period: 5 * time.Millisecond}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	if l := o.For("t1"); l.IngestionRateMB != 10 || l.MaxLineSize != 1<<20 || l.MaxLabelNamesPerSeries != 15 {
		t.Fatalf("t1 %+v", l)
	}
	if l := o.For("other"); l.IngestionRateMB != 4 {
		t.Fatalf("other %+v", l)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- o.Run(ctx) }()
	write("overrides:\n  t1:\n    ingestion_rate_mb: 20\n  t2:\n    reject_old_samples: false\n")
	deadline := time.Now().Add(5 * time.Second)
	for o.For("t1").IngestionRateMB != 20 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if o.For("t1").IngestionRateMB != 20 || o.For("t2").RejectOldSamples {
		t.Fatal("reload not applied")
	}
	// A bad file keeps the last good values and flags the failure.
	write("overrides:\n  t1:\n    no_such_limit: 1\n")
	deadline = time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(o.reloadOK) != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if testutil.ToFloat64(o.reloadOK) != 0 || o.For("t1").IngestionRateMB != 20 {
		t.Fatal("bad reload not detected or values lost")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestParseOverridesErrors(t *testing.T) {
	for _, bad := range []string{
		"overrides:\n  t1:\n    no_such: 1\n",
		"unknown_top: 1\n",
		"overrides:\n  t1:\n    max_line_size: huge\n",
		"overrides:\n  t1:\n    ingestion_rate_strategy: sideways\n",
		"overrides: [1, 2]\n",
	} {
		if _, err := ParseOverrides([]byte(bad), Defaults()); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
	m, err := ParseOverrides(nil, Defaults())
	if err != nil || len(m) != 0 {
		t.Fatalf("empty file: %v %v", m, err)
	}
	if _, err := NewOverrides(Defaults(), RuntimeConfig{File: "/nonexistent/file"}, nil, nil); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestRuntimeConfigHandler(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runtime.yaml")
	if err := os.WriteFile(path, []byte("overrides:\n  b:\n    max_line_size: 1MB\n  a:\n    ingestion_rate_mb: 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := NewOverrides(Defaults(), RuntimeConfig{File: path}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	get := func(url string) string {
		w := httptest.NewRecorder()
		o.Handler().ServeHTTP(w, httptest.NewRequest("GET", url, nil))
		return w.Body.String()
	}
	want := "overrides:\n    a:\n        ingestion_rate_mb: 10\n    b:\n        max_line_size: 1MB\n"
	if got := get("/runtime_config?mode=diff"); got != want {
		t.Fatalf("diff:\n%s\nwant\n%s", got, want)
	}
	full := get("/runtime_config")
	if !strings.Contains(full, "max_label_names_per_series: 15") || !strings.Contains(full, "max_line_size: 1MB") {
		t.Fatalf("full:\n%s", full)
	}
	var back struct {
		Overrides map[string]Limits `yaml:"overrides"`
	}
	if err := yaml.Unmarshal([]byte(full), &back); err != nil || back.Overrides["a"].IngestionRateMB != 10 {
		t.Fatalf("full output does not load back: %v", err)
	}
}

// TestLokiLimitsConfigLoads checks that a limits_config as operators write it for Loki loads
// with unknown keys rejected.
func TestLokiLimitsConfigLoads(t *testing.T) {
	const cfg = `
ingestion_rate_strategy: local
ingestion_rate_mb: 16
ingestion_burst_size_mb: 32
max_line_size: 2097152
max_line_size_truncate: true
reject_old_samples: true
reject_old_samples_max_age: 168h
creation_grace_period: 10m
max_global_streams_per_user: 75000
max_streams_per_user: 0
per_stream_rate_limit: 100M
per_stream_rate_limit_burst: 400M
max_entries_limit_per_query: 100000
max_query_series: 1000
max_query_length: 721h
max_query_parallelism: 64
tsdb_max_query_parallelism: 256
split_queries_by_interval: 30m
query_timeout: 5m
retention_period: 744h
retention_stream:
  - selector: '{namespace="dev"}'
    priority: 1
    period: 24h
deletion_mode: filter-and-delete
discover_service_name: [service, app]
discover_log_levels: true
log_level_fields: [level, severity]
increment_duplicate_timestamp: true
allow_structured_metadata: true
volume_enabled: true
volume_max_series: 500
shard_streams:
  enabled: true
  desired_rate: 3MB
cardinality_limit: 200000
max_streams_matchers_per_query: 100
max_concurrent_tail_requests: 20
max_cache_freshness_per_query: 10m
ruler_remote_write_disabled: false
metric_aggregation_enabled: true
`
	l := Defaults()
	dec := yaml.NewDecoder(strings.NewReader(cfg))
	dec.KnownFields(true)
	if err := dec.Decode(&l); err != nil {
		t.Fatal(err)
	}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if l.PerStreamRateLimit != 100<<20 || l.RetentionStream[0].Period.String() != "1d" || l.ShardStreams.DesiredRate != 3<<20 ||
		l.MaxConcurrentTailRequests != 20 || time.Duration(l.MaxQueryLength) != 721*time.Hour || l.LogLevelFields.String() != "level,severity" {
		t.Fatalf("%+v", l)
	}
	l.DeletionMode = "sometimes"
	if err := l.Validate(); err == nil {
		t.Fatal("bad deletion_mode accepted")
	}
}

func TestTimeUnit(t *testing.T) {
	var v Time
	if err := v.Set("2026-11-25T12:00:00Z"); err != nil || v.String() != "2026-11-25T12:00:00Z" {
		t.Fatalf("%v %v", v, err)
	}
	if err := v.Set(""); err != nil || v.String() != "" {
		t.Fatalf("empty: %v %v", v, err)
	}
	if err := v.Set("tomorrow"); err == nil {
		t.Fatal("bad time accepted")
	}
	l := Defaults()
	if err := yaml.Unmarshal([]byte("block_ingestion_until: 2026-12-01T00:00:00Z\n"), &l); err != nil || l.BlockIngestionStatusCode != 260 || time.Time(l.BlockIngestionUntil).Day() != 1 {
		t.Fatalf("%v %+v", err, l.BlockIngestionUntil)
	}
}
