module github.com/skaldlogs/skald/bench

go 1.26.0

replace (
	github.com/skaldlogs/skald/pkg => ../pkg
	github.com/skaldlogs/skald/proto => ../proto
)

require (
	github.com/golang/snappy v1.0.0
	github.com/skaldlogs/skald/pkg v0.0.0-00010101000000-000000000000
	github.com/skaldlogs/skald/proto v0.0.0-00010101000000-000000000000
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/grpc v1.85.0 // indirect
)
