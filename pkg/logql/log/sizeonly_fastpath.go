package log

// SizeOnly reports whether ex is the extractor of a line range aggregation (count_over_time,
// rate, bytes_over_time, bytes_rate, … without unwrap) with no pipeline stage, and its kind.
// Such an extractor's samples depend only on what storage keeps apart from the line bytes:
// for an entry (ts, line, sm), Process(ts, line, sm) and Process(ts, nil, sm) return the same
// labels and keep flag, and the value is 1 (CountExtraction) or len(line) (BytesExtraction).
// A store may then answer from timestamps, line lengths and structured metadata alone, calling
// Process with a nil line for the labels and taking the value from the stored length.
func SizeOnly(ex SampleExtractor) (LineExtraction, bool) {
	e, ok := ex.(*lineSampleExtractor)
	if !ok || len(e.stages) != 0 {
		return 0, false
	}
	return e.kind, true
}
