package distributor

import (
	"flag"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/skaldlogs/skald/pkg/ring"
	"github.com/skaldlogs/skald/pkg/validation"
)

func flagSet() *flag.FlagSet { return flag.NewFlagSet("test", flag.ContinueOnError) }

func timestampOf(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

func ringTokenFor(s string) uint32 { return ring.TokenFor(s) }

var testLevelFields = []string(validation.Defaults().LogLevelFields)
