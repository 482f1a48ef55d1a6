package validation

import (
	"fmt"
	"net/http"
)

// Discard reasons: the reason label of the discard counters, as Loki names them.
const (
	ReasonRateLimited             = "rate_limited"
	ReasonPerStreamRateLimit      = "per_stream_rate_limit"
	ReasonStreamLimit             = "stream_limit"
	ReasonLineTooLong             = "line_too_long"
	ReasonMaxLabelNames           = "max_label_names_per_series"
	ReasonLabelNameTooLong        = "label_name_too_long"
	ReasonLabelValueTooLong       = "label_value_too_long"
	ReasonDuplicateLabelNames     = "duplicate_label_names"
	ReasonMissingLabels           = "missing_labels"
	ReasonInvalidLabels           = "invalid_labels"
	ReasonTooOld                  = "greater_than_max_sample_age"
	ReasonTooNew                  = "too_far_in_future"
	ReasonStructuredMetadataLarge = "structured_metadata_too_large"
	ReasonStructuredMetadataMany  = "structured_metadata_too_many"
	ReasonStructuredMetadataDeny  = "disallowed_structured_metadata"
	ReasonTooFarBehind            = "too_far_behind"
	ReasonOutOfOrder              = "out_of_order"
	ReasonRequestBodyTooLarge     = "request_body_too_large"
	ReasonBlockedIngestion        = "blocked_ingestion"
)

// Loki's error texts (format strings).
const (
	RateLimitedErrorMsg        = "ingestion rate limit exceeded for user %s (limit: %d bytes/sec) while attempting to ingest '%d' lines totaling '%d' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased"
	PerStreamRateLimitErrorMsg = "Per stream rate limit exceeded (limit: %s/sec) while attempting to ingest for stream '%s' totaling %s, consider splitting a stream via additional labels or contact your Loki administrator to see if the limit can be increased"
	StreamLimitErrorMsg        = "maximum active stream limit exceeded when trying to create stream %s, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: '%s'"
	LineTooLongErrorMsg        = "max entry size '%d' bytes exceeded for stream '%s' while adding an entry with length '%d' bytes"
	MaxLabelNamesErrorMsg      = "entry for stream '%s' has %d label names; limit %d"
	LabelNameTooLongErrorMsg   = "stream '%s' has label name too long: '%s'"
	LabelValueTooLongErrorMsg  = "stream '%s' has label value too long: '%s'"
	DuplicateLabelErrorMsg     = "stream '%s' has duplicate label name: '%s'"
	MissingLabelsErrorMsg      = "error at least one label pair is required per stream"
	InvalidLabelsErrorMsg      = "error parsing labels '%s' with error: %s"
	TooOldErrorMsg             = "entry for stream '%s' has timestamp too old: %v, oldest acceptable timestamp is: %v"
	TooNewErrorMsg             = "entry for stream '%s' has timestamp too new: %v"
	StructuredMetadataLargeMsg = "stream '%s' has structured metadata too large: '%d' bytes, limit: '%d' bytes. Please see `limits_config.max_structured_metadata_size` or contact your Loki administrator to increase it."
	StructuredMetadataManyMsg  = "stream '%s' has too many structured metadata labels: '%d', limit: '%d'. Please see `limits_config.max_structured_metadata_entries_count` or contact your Loki administrator to increase it."
	StructuredMetadataDenyMsg  = "stream '%s' includes structured metadata, but this feature is disallowed. Please see `limits_config.allow_structured_metadata` or contact your Loki administrator to enable it."
	EmptyPushErrorMsg          = "error at least one valid stream is required for ingestion"
	BlockedIngestionErrorMsg   = "ingestion blocked for user %s until '%s' with status code '%d'"
)

// Error is a rejected stream or entry: the discard reason, the HTTP status and Loki's text.
type Error struct {
	Reason string
	Status int
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

func invalid(reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

// RateLimited returns the 429 for a tenant over its ingestion rate.
func RateLimited(tenant string, limitBytes, lines, bytes int) *Error {
	return &Error{Reason: ReasonRateLimited, Status: http.StatusTooManyRequests,
		Msg: fmt.Sprintf(RateLimitedErrorMsg, tenant, limitBytes, lines, bytes)}
}
