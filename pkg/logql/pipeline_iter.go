package logql

import (
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/logql/log"
)

// bytesOf views s as bytes without copying. Pipeline stages never write to their input line
// (they return new lines in their own buffers), so the view stays read-only; copying every
// stored line only to filter it would be the hot path's one allocation.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// stringOf returns out as a string, reusing in when the pipeline returned the input unchanged.
func stringOf(out []byte, in string) string {
	if len(out) == len(in) && (len(in) == 0 || unsafe.SliceData(out) == unsafe.StringData(in)) {
		return in
	}
	return string(out)
}

// NewPipelineIterator runs sp over raw, the stored entries of ONE stream (sp must come from
// Pipeline.ForStream of that stream's labels). Entries the pipeline drops are skipped; kept ones
// carry the pipeline's line, labels, structured metadata and parsed labels. Order and
// StreamHash are raw's.
func NewPipelineIterator(raw iter.EntryIterator, sp log.StreamPipeline) iter.EntryIterator {
	return &pipelineIterator{raw: raw, sp: sp}
}

type pipelineIterator struct {
	raw  iter.EntryIterator
	sp   log.StreamPipeline
	cur  iter.Entry
	lbls string
}

func (it *pipelineIterator) Next() bool {
	for it.raw.Next() {
		e := it.raw.At()
		out, lr, ok := it.sp.Process(e.Timestamp, bytesOf(e.Line), e.StructuredMetadata)
		if !ok {
			continue
		}
		it.cur = iter.Entry{
			Timestamp:          e.Timestamp,
			Line:               stringOf(out, e.Line),
			StructuredMetadata: lr.StructuredMetadata(),
			Parsed:             lr.Parsed(),
		}
		it.lbls = lr.String()
		return true
	}
	return false
}

func (it *pipelineIterator) At() iter.Entry     { return it.cur }
func (it *pipelineIterator) Labels() string     { return it.lbls }
func (it *pipelineIterator) StreamHash() uint64 { return it.raw.StreamHash() }
func (it *pipelineIterator) Err() error         { return it.raw.Err() }
func (it *pipelineIterator) Close() error       { return it.raw.Close() }

// NewExtractorIterator runs se over raw, the stored entries of ONE stream, yielding one sample
// per entry the extractor keeps. Each sample's Hash is a hash of the stored line, so replicas
// of one entry are recognised by the sample merge.
func NewExtractorIterator(raw iter.EntryIterator, se log.StreamSampleExtractor) iter.SampleIterator {
	return &extractorIterator{raw: raw, se: se}
}

type extractorIterator struct {
	raw  iter.EntryIterator
	se   log.StreamSampleExtractor
	cur  iter.Sample
	lbls string
}

func (it *extractorIterator) Next() bool {
	for it.raw.Next() {
		e := it.raw.At()
		line := bytesOf(e.Line)
		v, lr, ok := it.se.Process(e.Timestamp, line, e.StructuredMetadata)
		if !ok {
			continue
		}
		it.cur = iter.Sample{Timestamp: e.Timestamp, Value: v, Hash: xxhash.Sum64(line)}
		it.lbls = lr.String()
		return true
	}
	return false
}

func (it *extractorIterator) At() iter.Sample    { return it.cur }
func (it *extractorIterator) Labels() string     { return it.lbls }
func (it *extractorIterator) StreamHash() uint64 { return it.raw.StreamHash() }
func (it *extractorIterator) Err() error         { return it.raw.Err() }
func (it *extractorIterator) Close() error       { return it.raw.Close() }
