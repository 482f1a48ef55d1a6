module github.com/skaldlogs/skald/cmd/skald

go 1.26

replace (
	github.com/skaldlogs/skald/pkg => ../../pkg
	github.com/skaldlogs/skald/proto => ../../proto
	github.com/skaldlogs/skald/services/distributor => ../../services/distributor
	github.com/skaldlogs/skald/services/ingester => ../../services/ingester
	github.com/skaldlogs/skald/services/querier => ../../services/querier
)
