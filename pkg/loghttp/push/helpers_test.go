package push

import (
	"strconv"
	"time"
)

func timeOf(ns int64) time.Time { return time.Unix(0, ns) }

func itoa(n int) string { return strconv.Itoa(n) }
