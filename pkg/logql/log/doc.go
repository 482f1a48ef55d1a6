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
//   - Pipelines and extractors are safe for concurrent use. ForStream returns a per-stream
//     processor that is not: it owns a LabelsBuilder and per-stream copies of the stages that
//     keep buffers (parsers, formatters), reused across entries so that the hot path does not
//     allocate. Run stages through a Pipeline or extractor, not by calling Stage.Process
//     from several goroutines.
//   - The line returned by Process may alias an internal buffer and is valid only until the
//     next call on the same StreamPipeline. Stages never write to the input line, so callers
//     may pass bytes that alias an immutable string.
//   - LabelsResults are immutable and own their memory: they stay valid after later calls.
//   - A stage that fails on an entry (bad JSON, a label that does not convert) does not drop
//     it: it sets __error__ (ErrJSON, ErrLogfmt, ErrLabelFilter, ErrSample, ErrTemplateFormat, …)
//     and __error_details__, exactly as Loki does, and later label filters may test them.
//   - Parsed keys are sanitised to the label charset; a key equal to a stream label gets the
//     suffix "_extracted"; when a key repeats in a line the first value is kept (Loki's docs);
//     invalid UTF-8 in values becomes spaces.
//   - Line regexps (|~, !~) are unanchored and run in (?s) mode, as Loki documents; literal
//     shapes (foo, .*foo.*, a|b, (?i)foo) become byte scans and other regexps first check the
//     literals every match must contain.
//   - Metric extractors grouped `by (…)` pass parser hints: json and logfmt then set only the
//     labels that later stages and the grouping read, unless a stage (a template, a custom
//     Stage) cannot say which labels it reads. A hinted json parser skips unwanted keys
//     without naming them and, once every hinted label is set, only validates the rest of the
//     line, so that __error__ is what the full parse reports (parser_json_hinted.go).
//   - Results are cached per stream by label set (LabelsBuilder.LabelsResult), so recurring
//     label sets cost no allocation; parsed values live in a per-entry arena until then.
//   - Label precedence when names collide: labels set by stages, then structured metadata,
//     then stream labels. Only string matchers can drop an entry that carries __error__;
//     numeric, duration and bytes filters let it through.
package log
