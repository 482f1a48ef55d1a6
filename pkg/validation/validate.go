package validation

import (
	"time"

	"github.com/skaldlogs/skald/pkg/labels"
	"github.com/skaldlogs/skald/proto/logproto"
)

// ServiceNameLabel is the label Loki's service name discovery adds.
const ServiceNameLabel = "service_name"

// UnknownService is the service_name given to streams with none of the discovery labels.
const UnknownService = "unknown_service"

// ParseStream parses and checks a stream's label string against l: syntax, count, name and value
// lengths, duplicates. The text of the error names the stream as Loki does.
func ParseStream(l *Limits, stream string) (labels.Labels, *Error) {
	ls, err := labels.Parse(stream)
	if err != nil {
		return nil, invalid(ReasonInvalidLabels, InvalidLabelsErrorMsg, stream, err)
	}
	if e := ValidateLabels(l, ls, stream); e != nil {
		return nil, e
	}
	return ls, nil
}

// ValidateLabels checks a sorted label set. labels.Parse already rejects duplicate names; the
// check here serves label sets built by other means.
func ValidateLabels(l *Limits, ls labels.Labels, stream string) *Error {
	if len(ls) == 0 {
		return invalid(ReasonMissingLabels, MissingLabelsErrorMsg)
	}
	n := len(ls)
	if ls.Has(ServiceNameLabel) {
		n-- // service_name may have been added by discovery; Loki does not count it
	}
	if l.MaxLabelNamesPerSeries > 0 && n > l.MaxLabelNamesPerSeries {
		return invalid(ReasonMaxLabelNames, MaxLabelNamesErrorMsg, stream, n, l.MaxLabelNamesPerSeries)
	}
	for i, lb := range ls {
		switch {
		case l.MaxLabelNameLength > 0 && len(lb.Name) > l.MaxLabelNameLength:
			return invalid(ReasonLabelNameTooLong, LabelNameTooLongErrorMsg, stream, lb.Name)
		case l.MaxLabelValueLength > 0 && len(lb.Value) > l.MaxLabelValueLength:
			return invalid(ReasonLabelValueTooLong, LabelValueTooLongErrorMsg, stream, lb.Value)
		case i > 0 && lb.Name == ls[i-1].Name:
			return invalid(ReasonDuplicateLabelNames, DuplicateLabelErrorMsg, stream, lb.Name)
		}
	}
	return nil
}

// ValidateEntry checks one entry of stream against l at time now. With max_line_size_truncate
// an over-long line is truncated in place instead of rejected.
func ValidateEntry(l *Limits, now time.Time, stream string, e *logproto.EntryAdapter) *Error {
	ts := e.GetTimestamp().AsTime()
	if l.RejectOldSamples {
		oldest := now.Add(-time.Duration(l.RejectOldSamplesMaxAge))
		if ts.Before(oldest) {
			return invalid(ReasonTooOld, TooOldErrorMsg, stream, ts.Format(time.RFC3339), oldest.Format(time.RFC3339))
		}
	}
	if ts.After(now.Add(time.Duration(l.CreationGracePeriod))) {
		return invalid(ReasonTooNew, TooNewErrorMsg, stream, ts.Format(time.RFC3339))
	}
	if max := int(l.MaxLineSize); max > 0 && len(e.Line) > max {
		if !l.MaxLineSizeTruncate {
			return invalid(ReasonLineTooLong, LineTooLongErrorMsg, max, stream, len(e.Line))
		}
		e.Line = e.Line[:max]
	}
	if sm := e.StructuredMetadata; len(sm) > 0 {
		if !l.AllowStructuredMetadata {
			return invalid(ReasonStructuredMetadataDeny, StructuredMetadataDenyMsg, stream)
		}
		if max := l.MaxStructuredMetadataEntriesCount; max > 0 && len(sm) > max {
			return invalid(ReasonStructuredMetadataMany, StructuredMetadataManyMsg, stream, len(sm), max)
		}
		size := 0
		for _, p := range sm {
			size += len(p.Name) + len(p.Value)
		}
		if max := int(l.MaxStructuredMetadataSize); max > 0 && size > max {
			return invalid(ReasonStructuredMetadataLarge, StructuredMetadataLargeMsg, stream, size, max)
		}
	}
	return nil
}

// EntrySize is what an entry counts against rate limits: its line and structured metadata
// bytes, as in Loki.
func EntrySize(e *logproto.EntryAdapter) int {
	n := len(e.Line)
	for _, p := range e.StructuredMetadata {
		n += len(p.Name) + len(p.Value)
	}
	return n
}

// DiscoverServiceName adds service_name to ls when it has none: the value of the first label of
// l.DiscoverServiceName that is present, else unknown_service. With an empty list it returns ls
// unchanged. The result is sorted.
func DiscoverServiceName(l *Limits, ls labels.Labels) labels.Labels {
	if len(l.DiscoverServiceName) == 0 || ls.Has(ServiceNameLabel) {
		return ls
	}
	value := UnknownService
	for _, name := range l.DiscoverServiceName {
		if v := ls.Get(name); v != "" {
			value = v
			break
		}
	}
	out := make(labels.Labels, 0, len(ls)+1)
	added := false
	for _, lb := range ls {
		if !added && lb.Name > ServiceNameLabel {
			out = append(out, labels.Label{Name: ServiceNameLabel, Value: value})
			added = true
		}
		out = append(out, lb)
	}
	if !added {
		out = append(out, labels.Label{Name: ServiceNameLabel, Value: value})
	}
	return out
}
