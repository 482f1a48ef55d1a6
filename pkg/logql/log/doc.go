// Package log implements the LogQL log pipeline: the stages that run over every log line after
// the stream selector (line filters, parsers, label filters, formatters, drop/keep) and the
// sample extractors of metric queries.
//
// The query compiler (package logql/syntax) builds a Pipeline from the constructors here:
//
//	lineFilter, _ := log.NewLineFilter(log.LineMatchEqual, "error")   // |= "error"
//	p := log.NewPipeline([]log.Stage{
//		log.NewFilterStage(lineFilter),
//		log.NewJSONParser(),                                          // | json
//		log.NewNumericLabelFilter(log.LabelFilterGreaterThanOrEqual, "status", 500),
//	})
//	sp := p.ForStream(streamLabels) // one per stream, reused for all its entries
//	line, lbls, keep := sp.Process(ts, line, structuredMetadata)
//
// Constructors, by LogQL construct:
//
//	|= != |~ !~ |> !>    NewLineFilter, NewLineFilterOr (`or` chains), NewIPLineFilter,
//	                     NewAndFilter/NewOrFilter/NewNotFilter, NewFilterStage; RequiredLiterals
//	json, logfmt         NewJSONParser, NewJSONExpressionParser, NewLogfmtParser,
//	                     NewLogfmtExpressionParser
//	regexp, pattern      NewRegexpParser, NewPatternParser
//	unpack               NewUnpackParser
//	label filters        NewStringLabelFilter, NewNumericLabelFilter, NewDurationLabelFilter,
//	                     NewBytesLabelFilter, NewIPLabelFilter, NewAndLabelFilter, NewOrLabelFilter
//	line_format          NewLineFormatter
//	label_format         NewLabelsFormatter
//	drop, keep           NewDropLabels, NewKeepLabels
//	decolorize           NewDecolorizer
//	metric extraction    NewLineSampleExtractor (count, bytes), NewLabelSampleExtractor (unwrap,
//	                     Conversion), Grouping (by/without pushed down)
//	helpers              ParseBytes, SanitizeLabelKey, NewLabelsResult, LabelsBuilder (for
//	                     custom stages)
//
// Invariants and lifetimes:
//   - Pipelines, stages and extractors are immutable after construction and safe for concurrent
//     use. ForStream returns a per-stream processor that is not: it owns a LabelsBuilder and
//     stage buffers, which are reused across entries so that the hot path does not allocate.
//   - The line returned by Process may alias an internal buffer and is valid only until the
//     next call on the same StreamPipeline. Stages never write to the input line, so callers
//     may pass bytes that alias an immutable string.
//   - LabelsResults are immutable and own their memory: they stay valid after later calls.
//   - A stage that fails on an entry (bad JSON, a label that does not convert) does not drop
//     it: it sets __error__ (ErrJSON, ErrLogfmt, ErrLabelFilter, ErrSample, ErrTemplateFormat, …)
//     and __error_details__, exactly as Loki does, and later label filters may test them.
//   - Parsed keys are sanitised to the label charset; a key equal to a stream label gets the
//     suffix "_extracted".
//   - Results are cached per stream by label set (LabelsBuilder.LabelsResult), so recurring
//     label sets cost no allocation; parsed values live in a per-entry arena until then.
//   - Label precedence when names collide: labels set by stages, then structured metadata,
//     then stream labels. Only string matchers can drop an entry that carries __error__;
//     numeric, duration and bytes filters let it through.
package log
