package bench

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseStatCPU(t *testing.T) {
	f := func(stat string, want float64, wantErr bool) {
		t.Helper()
		got, err := parseStatCPU([]byte(stat))
		if (err != nil) != wantErr || got != want {
			t.Errorf("parseStatCPU(%q) = %v, %v; want %v, error %v", stat, got, err, want, wantErr)
		}
	}
	f("1234 (skald) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 100 1000 50", 3, false)
	f("1234 (my (odd) name) R 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 12 0 100 1000 50", 0.03, false)
	f("1234 skald S", 0, true)
	f("1234 (skald) S 1 2", 0, true)
	f("1234 (skald) S 1 1234 1234 0 -1 4194560 100 0 0 0 x 50 0", 0, true)
}

func TestParseStatusMemory(t *testing.T) {
	f := func(status string, rss, hwm int64, wantErr bool) {
		t.Helper()
		r, h, err := parseStatusMemory([]byte(status))
		if (err != nil) != wantErr || r != rss || h != hwm {
			t.Errorf("parseStatusMemory(%q) = %d, %d, %v; want %d, %d, error %v", status, r, h, err, rss, hwm, wantErr)
		}
	}
	f("Name:\tskald\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t9\n", 1<<20, 2<<20, false)
	f("Name:\tskald\nVmRSS:\t  1024 kB\n", 0, 0, true)
	f("VmHWM:\t2 MB\nVmRSS:\t1 kB\n", 0, 0, true)
	f("VmHWM:\tx kB\nVmRSS:\t1 kB\n", 0, 0, true)
}

func TestOwnProcess(t *testing.T) {
	cpu, err := ProcCPUSeconds(os.Getpid())
	if err != nil || cpu < 0 {
		t.Fatalf("ProcCPUSeconds(self) = %v, %v", cpu, err)
	}
	rss, hwm, err := ProcMemory(os.Getpid())
	if err != nil || rss <= 0 || hwm < rss {
		t.Fatalf("ProcMemory(self) = %d, %d, %v", rss, hwm, err)
	}
}

func TestDiskUsage(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "store", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "store", "x", "a"), make([]byte, 100<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wal"), make([]byte, 10<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := DiskUsage(dir)
	if err != nil || n < 110<<10 || n > 200<<10 {
		t.Fatalf("DiskUsage = %d, %v; want about 110 KiB", n, err)
	}
	s, err := DiskBreakdown(dir)
	if err != nil || s != "store 0.1 MiB, wal 0.0 MiB" {
		t.Fatalf("DiskBreakdown = %q, %v", s, err)
	}
	if _, err := DiskUsage(filepath.Join(dir, "missing")); err != nil {
		t.Fatalf("DiskUsage of a missing dir: %v (a vanished file is not an error)", err)
	}
}

func TestParseMetric(t *testing.T) {
	text := []byte("# HELP process_cpu_seconds_total Total user and system CPU time.\n" +
		"# TYPE process_cpu_seconds_total counter\n" +
		"process_cpu_seconds_total 12.5\n" +
		"process_cpu_seconds_total_extra 99\n" +
		"process_resident_memory_bytes 1.048576e+06\n" +
		"other{label=\"x\"} 3\n")
	f := func(name string, want float64, ok bool) {
		t.Helper()
		got, gotOK := ParseMetric(text, name)
		if got != want || gotOK != ok {
			t.Errorf("ParseMetric(%q) = %v, %v; want %v, %v", name, got, gotOK, want, ok)
		}
	}
	f("process_cpu_seconds_total", 12.5, true)
	f("process_resident_memory_bytes", 1<<20, true)
	f("process_cpu", 0, false)
	f("missing", 0, false)
}

func TestParseSize(t *testing.T) {
	f := func(s string, want int64, wantErr bool) {
		t.Helper()
		got, err := ParseSize(s)
		if (err != nil) != wantErr || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", s, got, err, want, wantErr)
		}
	}
	f("512MiB", 512<<20, false)
	f("2GiB", 2<<30, false)
	f("1.5 GiB", 3<<29, false)
	f("100MB", 100e6, false)
	f("64K", 64<<10, false)
	f("1048576", 1<<20, false)
	f("10B", 10, false)
	f("", 0, true)
	f("MiB", 0, true)
	f("-1MiB", 0, true)
	f("12 parsecs", 0, true)
	f("1e300GiB", 0, true)
}

func FuzzProcParsers(f *testing.F) {
	for _, s := range []string{
		"1234 (skald) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 100 1000 50",
		"Name:\tskald\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n",
		"process_cpu_seconds_total 12.5\n", "512MiB", "1.5 GiB", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parseStatCPU([]byte(s))
		parseStatusMemory([]byte(s))
		ParseMetric([]byte(s), "process_cpu_seconds_total")
		if n, err := ParseSize(s); err == nil && n < 0 {
			t.Fatalf("ParseSize(%q) = %d without error", s, n)
		}
	})
}
