package loghttp

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/skaldlogs/skald/pkg/buildinfo"
	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// ResultType names the kind of a query result, as in data.resultType.
type ResultType string

const (
	ResultStreams ResultType = "streams"
	ResultMatrix  ResultType = "matrix"
	ResultVector  ResultType = "vector"
	ResultScalar  ResultType = "scalar"
)

// Stream is one stream of a log query result. Labels is the full label set the result shows
// for the stream (stream labels plus, for pipelines that add them, structured metadata and
// parsed labels); each entry keeps its own StructuredMetadata and Parsed for categorised output.
type Stream struct {
	Labels  labels.Labels
	Entries []iter.Entry
}

// Point is one metric value at a Unix-nanosecond timestamp.
type Point struct {
	T int64
	V float64
}

// Series is one series of a matrix, its points oldest first.
type Series struct {
	Metric labels.Labels
	Points []Point
}

// Sample is one element of a vector.
type Sample struct {
	Metric labels.Labels
	Point
}

// QueryResult is the data of a query or query_range response: Type says which of Streams,
// Matrix, Vector or Scalar is set.
type QueryResult struct {
	Type    ResultType
	Streams []Stream
	Matrix  []Series
	Vector  []Sample
	Scalar  Point
	Stats   Stats
}

// EncodingFlagsHeader is the request header by which clients ask for categorised labels.
const EncodingFlagsHeader = "X-Loki-Response-Encoding-Flags"

// FlagCategorizeLabels is the flag, in EncodingFlagsHeader, that asks for categorised labels.
const FlagCategorizeLabels = "categorize-labels"

// CategorizeLabels reports whether r asked for categorised labels.
func CategorizeLabels(r *http.Request) bool {
	for _, v := range r.Header.Values(EncodingFlagsHeader) {
		for _, f := range strings.Split(v, ",") {
			if strings.TrimSpace(f) == FlagCategorizeLabels {
				return true
			}
		}
	}
	return false
}

// WriteQueryResponse writes res with status 200 in Loki's JSON shape. With categorize, stream
// values carry a third element {"structuredMetadata":{..},"parsed":{..}} (when either is
// non-empty), streams show only their stream labels, and data has
// "encodingFlags":["categorize-labels"].
func WriteQueryResponse(w http.ResponseWriter, res *QueryResult, categorize bool) error {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	return EncodeQueryResponse(w, res, categorize)
}

// EncodeQueryResponse writes res as WriteQueryResponse does, without HTTP headers.
func EncodeQueryResponse(out io.Writer, res *QueryResult, categorize bool) error {
	j := &jsonWriter{w: out, buf: make([]byte, 0, flushSize+4096)}
	j.raw(`{"status":"success","data":{"resultType":`)
	typ := res.Type
	if typ == "" {
		typ = ResultStreams
	}
	j.str(string(typ))
	if categorize && typ == ResultStreams {
		j.raw(`,"encodingFlags":["categorize-labels"]`)
	}
	j.raw(`,"result":`)
	switch typ {
	case ResultStreams:
		writeStreams(j, res.Streams, categorize)
	case ResultMatrix:
		writeMatrix(j, res.Matrix)
	case ResultVector:
		writeVector(j, res.Vector)
	case ResultScalar:
		writePoint(j, res.Scalar)
	default:
		j.raw(`[]`)
	}
	j.raw(`,"stats":`)
	stats, err := json.Marshal(&res.Stats)
	if err != nil {
		panic("BUG: stats do not marshal: " + err.Error())
	}
	j.buf = append(j.buf, stats...)
	j.raw("}}\n")
	j.flush()
	return j.err
}

func writeStreams(j *jsonWriter, streams []Stream, categorize bool) {
	j.byte('[')
	for i, s := range streams {
		if i > 0 {
			j.byte(',')
		}
		ls := s.Labels
		if categorize && len(s.Entries) > 0 {
			ls = streamLabelsOnly(ls, s.Entries[0])
		}
		j.raw(`{"stream":`)
		j.labels(ls)
		j.raw(`,"values":[`)
		for k := range s.Entries {
			e := &s.Entries[k]
			if k > 0 {
				j.byte(',')
			}
			j.raw(`["`)
			j.int(e.Timestamp)
			j.raw(`",`)
			j.str(e.Line)
			if categorize && (len(e.StructuredMetadata) > 0 || len(e.Parsed) > 0) {
				j.raw(`,{`)
				if len(e.StructuredMetadata) > 0 {
					j.raw(`"structuredMetadata":`)
					j.labels(e.StructuredMetadata)
				}
				if len(e.Parsed) > 0 {
					if len(e.StructuredMetadata) > 0 {
						j.byte(',')
					}
					j.raw(`"parsed":`)
					j.labels(e.Parsed)
				}
				j.byte('}')
			}
			j.byte(']')
			j.maybeFlush()
		}
		j.raw(`]}`)
	}
	j.byte(']')
}

// streamLabelsOnly removes from a result's label set the names that came from an entry's
// structured metadata or parsed labels, leaving the stream's own labels.
func streamLabelsOnly(ls labels.Labels, e iter.Entry) labels.Labels {
	if len(e.StructuredMetadata) == 0 && len(e.Parsed) == 0 {
		return ls
	}
	out := make(labels.Labels, 0, len(ls))
	for _, l := range ls {
		if !e.StructuredMetadata.Has(l.Name) && !e.Parsed.Has(l.Name) {
			out = append(out, l)
		}
	}
	return out
}

func writePoint(j *jsonWriter, p Point) {
	j.byte('[')
	j.buf = FormatSeconds(j.buf, p.T)
	j.raw(`,"`)
	j.buf = FormatValue(j.buf, p.V)
	j.raw(`"]`)
}

func writeMatrix(j *jsonWriter, m []Series) {
	j.byte('[')
	for i, s := range m {
		if i > 0 {
			j.byte(',')
		}
		j.raw(`{"metric":`)
		j.labels(s.Metric)
		j.raw(`,"values":[`)
		for k, p := range s.Points {
			if k > 0 {
				j.byte(',')
			}
			writePoint(j, p)
		}
		j.raw(`]}`)
		j.maybeFlush()
	}
	j.byte(']')
}

func writeVector(j *jsonWriter, v []Sample) {
	j.byte('[')
	for i, s := range v {
		if i > 0 {
			j.byte(',')
		}
		j.raw(`{"metric":`)
		j.labels(s.Metric)
		j.raw(`,"value":`)
		writePoint(j, s.Point)
		j.byte('}')
		j.maybeFlush()
	}
	j.byte(']')
}

// WriteLabelsResponse writes a labels or label values answer: {"status":"success","data":[..]}.
// A nil list is written as [] (Grafana treats null as an error).
func WriteLabelsResponse(w http.ResponseWriter, values []string) error {
	j := begin(w)
	j.byte('[')
	for i, v := range values {
		if i > 0 {
			j.byte(',')
		}
		j.str(v)
		j.maybeFlush()
	}
	j.raw("]}\n")
	j.flush()
	return j.err
}

// WriteSeriesResponse writes a series answer: {"status":"success","data":[{labels},..]}.
func WriteSeriesResponse(w http.ResponseWriter, series []labels.Labels) error {
	j := begin(w)
	j.byte('[')
	for i, s := range series {
		if i > 0 {
			j.byte(',')
		}
		j.labels(s)
		j.maybeFlush()
	}
	j.raw("]}\n")
	j.flush()
	return j.err
}

// WriteFormatQueryResponse writes format_query's answer: {"status":"success","data":"<query>"}.
func WriteFormatQueryResponse(w http.ResponseWriter, query string) error {
	j := begin(w)
	j.str(query)
	j.raw("}\n")
	j.flush()
	return j.err
}

// IndexStatsResponse is index/stats's answer.
type IndexStatsResponse struct {
	Streams uint64 `json:"streams"`
	Chunks  uint64 `json:"chunks"`
	Entries uint64 `json:"entries"`
	Bytes   uint64 `json:"bytes"`
}

// WriteJSON writes v as a 200 JSON body; for answers that are not enveloped (index/stats,
// buildinfo).
func WriteJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // as Loki: log text stays readable
	return enc.Encode(v)
}

// WriteBuildInfo writes /loki/api/v1/status/buildinfo's answer.
func WriteBuildInfo(w http.ResponseWriter, info buildinfo.Info) error { return WriteJSON(w, info) }

func begin(w http.ResponseWriter) *jsonWriter {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	j := &jsonWriter{w: w, buf: make([]byte, 0, 4096)}
	j.raw(`{"status":"success","data":`)
	return j
}
