module github.com/skaldlogs/skald/services/distributor

go 1.26

replace (
	github.com/skaldlogs/skald/pkg => ../../pkg
	github.com/skaldlogs/skald/proto => ../../proto
)
