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
