package main

import (
	"io/fs"
	"log/slog"
	"runtime/debug"
	"testing"
)

func TestCgroupMemoryLimit(t *testing.T) {
	f := func(files map[string]string, want int64) {
		t.Helper()
		read := func(p string) ([]byte, error) {
			if s, ok := files[p]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		}
		if got := cgroupMemoryLimit(read); got != want {
			t.Fatalf("cgroupMemoryLimit(%v) = %d, want %d", files, got, want)
		}
	}
	const v2, v1 = "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"
	f(nil, 0)
	f(map[string]string{v2: "max\n"}, 0)
	f(map[string]string{v2: "1073741824\n"}, 1<<30)
	f(map[string]string{v1: "536870912\n"}, 512<<20)
	f(map[string]string{v1: "9223372036854771712\n"}, 0)
	f(map[string]string{v2: "garbage"}, 0)
	f(map[string]string{v2: "1048576", v1: "2097152"}, 1<<20)
}

func TestSetGCPercent(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	logger := slog.New(slog.DiscardHandler)
	f := func(gogc string, percent, want int) {
		t.Helper()
		t.Setenv("GOGC", gogc)
		debug.SetGCPercent(100)
		setGCPercent(percent, logger)
		if got := debug.SetGCPercent(100); got != want {
			t.Fatalf("GOGC=%q, setGCPercent(%d): GC percent %d, want %d", gogc, percent, got, want)
		}
	}
	f("", 60, 60)
	f("", 0, 100)     // 0: Go's default
	f("200", 60, 100) // GOGC wins (the runtime applied it at start)
}
