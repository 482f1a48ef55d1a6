module github.com/skaldlogs/skald/cmd/skald

go 1.26.0

replace (
	github.com/skaldlogs/skald/pkg => ../../pkg
	github.com/skaldlogs/skald/proto => ../../proto
	github.com/skaldlogs/skald/services/distributor => ../../services/distributor
	github.com/skaldlogs/skald/services/ingester => ../../services/ingester
	github.com/skaldlogs/skald/services/querier => ../../services/querier
)

require (
	github.com/prometheus/client_golang v1.25.0 // indirect
	github.com/skaldlogs/skald/pkg v0.0.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
