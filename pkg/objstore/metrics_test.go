package objstore_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skaldlogs/skald/pkg/objstore"
	"github.com/skaldlogs/skald/pkg/objstore/objstoretest"
)

func TestInstrumented(t *testing.T) {
	fsb, err := objstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	bkt := objstore.NewInstrumented(fsb, "chunks", reg)
	objstoretest.Run(t, bkt) // the wrapper is a conformant Bucket

	// A second bucket on the same registry under another name registers fine.
	other := objstore.NewInstrumented(fsb, "index", reg)
	ctx := context.Background()
	if err := other.Upload(ctx, "a", strings.NewReader("hello"), 5); err != nil {
		t.Fatal(err)
	}
	rc, err := other.Get(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(rc)
	_ = rc.Close()
	_, _ = other.Get(ctx, "missing")
	_ = other.Upload(ctx, "../bad", strings.NewReader("x"), 1)

	want := map[string]float64{
		`skald_objstore_operations_total{bucket="index",operation="get"}`:            2,
		`skald_objstore_operations_total{bucket="index",operation="upload"}`:         2,
		`skald_objstore_operation_failures_total{bucket="index",operation="upload"}`: 1,
		`skald_objstore_transferred_bytes_total{bucket="index",operation="get"}`:     5,
		`skald_objstore_transferred_bytes_total{bucket="index",operation="upload"}`:  5,
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var lbl []string
			for _, lp := range m.GetLabel() {
				lbl = append(lbl, lp.GetName()+`="`+lp.GetValue()+`"`)
			}
			key := mf.GetName() + "{" + strings.Join(lbl, ",") + "}"
			if c := m.GetCounter(); c != nil {
				got[key] = c.GetValue()
			}
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if _, ok := got[`skald_objstore_operation_failures_total{bucket="index",operation="get"}`]; ok {
		t.Error("a not-found get counted as a failure")
	}
}
