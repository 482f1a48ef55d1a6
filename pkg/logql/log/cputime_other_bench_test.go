//go:build !linux

package log

import "time"

func threadCPU() time.Duration { return 0 }
func lockThread()              {}
func unlockThread()            {}
