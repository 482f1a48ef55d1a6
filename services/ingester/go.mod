module github.com/skaldlogs/skald/services/ingester

go 1.26

replace (
	github.com/skaldlogs/skald/pkg => ../../pkg
	github.com/skaldlogs/skald/proto => ../../proto
)
