package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// setMemoryLimit sets the Go runtime's soft memory limit to limit bytes, or when limit is 0 to
// 90% of the cgroup's memory limit if there is one (the rest is left for memory the runtime
// does not count and for the page cache the WAL and object store files use). A GOMEMLIMIT
// environment variable, which the runtime already applied, wins.
func setMemoryLimit(limit int64, logger *slog.Logger) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		logger.Info("memory limit from GOMEMLIMIT", "limit", v)
		return
	}
	source := "flag"
	if limit == 0 {
		source = "cgroup"
		limit = cgroupMemoryLimit(os.ReadFile) / 10 * 9
	}
	if limit <= 0 {
		return
	}
	debug.SetMemoryLimit(limit)
	logger.Info("memory limit set", "bytes", limit, "source", source)
}

// defaultGCPercent is -gc-percent's default. The peak RSS is about (1 + GOGC/100) times the
// ingester's live heap at its peak (~140 MiB ingesting the bench's 512 MiB data set: full
// heads, chunks waiting for the encoder and the flush, pushes in flight), and that heap is
// mostly long-lived, pointer-free compressed log data, cheap to mark. Ingesting that data set
// at 60 rather than Go's 100: peak RSS ~337 -> ~258 MiB, ingest CPU within the machine's noise
// (-2 to -4% in interleaved runs; 75 cost as much and left ~293 MiB).
const defaultGCPercent = 60

// setGCPercent sets the Go runtime's garbage collection target to percent (0: leave Go's
// default). A GOGC environment variable, which the runtime already applied, wins.
func setGCPercent(percent int, logger *slog.Logger) {
	if v := os.Getenv("GOGC"); v != "" {
		logger.Info("gc percent from GOGC", "gogc", v)
		return
	}
	if percent <= 0 {
		return
	}
	debug.SetGCPercent(percent)
	logger.Info("gc percent set", "percent", percent)
}

// cgroupMemoryLimit returns the memory limit of the process's cgroup (v2, else v1) in bytes, or
// 0 when it has none.
func cgroupMemoryLimit(readFile func(string) ([]byte, error)) int64 {
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := readFile(path)
		if err != nil {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		// "max" (v2) or a page-rounded huge number (v1): no limit.
		if err != nil || v <= 0 || v >= 1<<60 {
			return 0
		}
		return v
	}
	return 0
}
