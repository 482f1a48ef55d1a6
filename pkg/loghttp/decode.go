package loghttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/skaldlogs/skald/pkg/iter"
	"github.com/skaldlogs/skald/pkg/labels"
)

// DecodeQueryResponse reads a query or query_range response body in Loki's JSON shape
// (categorised or not) into a QueryResult. Labels come back sorted; matrix and vector
// timestamps are converted from float seconds to Unix nanoseconds (millisecond precision).
func DecodeQueryResponse(r io.Reader) (*QueryResult, error) {
	var env struct {
		Status string `json:"status"`
		Data   struct {
			ResultType ResultType      `json:"resultType"`
			Result     json.RawMessage `json:"result"`
			Stats      Stats           `json:"stats"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r).Decode(&env); err != nil {
		return nil, fmt.Errorf("decode query response: %w", err)
	}
	if env.Status != "success" {
		return nil, fmt.Errorf("decode query response: status %q", env.Status)
	}
	res := &QueryResult{Type: env.Data.ResultType, Stats: env.Data.Stats}
	var err error
	switch res.Type {
	case ResultStreams:
		res.Streams, err = decodeStreams(env.Data.Result)
	case ResultMatrix:
		res.Matrix, err = decodeMatrix(env.Data.Result)
	case ResultVector:
		res.Vector, err = decodeVector(env.Data.Result)
	case ResultScalar:
		res.Scalar, err = decodePoint(env.Data.Result)
	default:
		err = fmt.Errorf("unknown result type %q", res.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("decode query response: %w", err)
	}
	return res, nil
}

func decodeStreams(raw json.RawMessage) ([]Stream, error) {
	var in []struct {
		Stream map[string]string   `json:"stream"`
		Values [][]json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, err
	}
	out := make([]Stream, 0, len(in))
	for _, s := range in {
		st := Stream{Labels: labels.FromMap(s.Stream), Entries: make([]iter.Entry, 0, len(s.Values))}
		for _, v := range s.Values {
			if len(v) < 2 || len(v) > 3 {
				return nil, fmt.Errorf("stream value with %d elements", len(v))
			}
			var tsText, line string
			if err := json.Unmarshal(v[0], &tsText); err != nil {
				return nil, fmt.Errorf("stream timestamp: %w", err)
			}
			ts, err := strconv.ParseInt(tsText, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("stream timestamp: %w", err)
			}
			if err := json.Unmarshal(v[1], &line); err != nil {
				return nil, fmt.Errorf("stream line: %w", err)
			}
			e := iter.Entry{Timestamp: ts, Line: line}
			if len(v) == 3 {
				var cat struct {
					StructuredMetadata map[string]string `json:"structuredMetadata"`
					Parsed             map[string]string `json:"parsed"`
				}
				if err := json.Unmarshal(v[2], &cat); err != nil {
					return nil, fmt.Errorf("categorized labels: %w", err)
				}
				if len(cat.StructuredMetadata) > 0 {
					e.StructuredMetadata = labels.FromMap(cat.StructuredMetadata)
				}
				if len(cat.Parsed) > 0 {
					e.Parsed = labels.FromMap(cat.Parsed)
				}
			}
			st.Entries = append(st.Entries, e)
		}
		out = append(out, st)
	}
	return out, nil
}

func decodeMatrix(raw json.RawMessage) ([]Series, error) {
	var in []struct {
		Metric map[string]string `json:"metric"`
		Values []json.RawMessage `json:"values"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, err
	}
	out := make([]Series, 0, len(in))
	for _, s := range in {
		se := Series{Metric: labels.FromMap(s.Metric), Points: make([]Point, 0, len(s.Values))}
		for _, v := range s.Values {
			p, err := decodePoint(v)
			if err != nil {
				return nil, err
			}
			se.Points = append(se.Points, p)
		}
		out = append(out, se)
	}
	return out, nil
}

func decodeVector(raw json.RawMessage) ([]Sample, error) {
	var in []struct {
		Metric map[string]string `json:"metric"`
		Value  json.RawMessage   `json:"value"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, err
	}
	out := make([]Sample, 0, len(in))
	for _, s := range in {
		p, err := decodePoint(s.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, Sample{Metric: labels.FromMap(s.Metric), Point: p})
	}
	return out, nil
}

// decodePoint reads [<float seconds>, "<value>"].
func decodePoint(raw json.RawMessage) (Point, error) {
	var pair []json.RawMessage
	if err := json.Unmarshal(raw, &pair); err != nil {
		return Point{}, err
	}
	if len(pair) != 2 {
		return Point{}, errors.New("point is not a [time, value] pair")
	}
	var secs json.Number
	dec := json.NewDecoder(bytes.NewReader(pair[0]))
	dec.UseNumber()
	if err := dec.Decode(&secs); err != nil {
		return Point{}, fmt.Errorf("point time: %w", err)
	}
	f, err := secs.Float64()
	if err != nil || math.Abs(f) > maxUnixSeconds {
		return Point{}, fmt.Errorf("point time %q", secs)
	}
	var vs string
	if err := json.Unmarshal(pair[1], &vs); err != nil {
		return Point{}, fmt.Errorf("point value: %w", err)
	}
	v, err := strconv.ParseFloat(vs, 64)
	if err != nil {
		return Point{}, fmt.Errorf("point value %q", vs)
	}
	return Point{T: int64(math.Round(f*1000)) * 1e6, V: v}, nil
}

// DecodeLabelsResponse reads a labels or label values response.
func DecodeLabelsResponse(r io.Reader) ([]string, error) {
	var env struct {
		Status string   `json:"status"`
		Data   []string `json:"data"`
	}
	if err := json.NewDecoder(r).Decode(&env); err != nil {
		return nil, fmt.Errorf("decode labels response: %w", err)
	}
	if env.Status != "success" {
		return nil, fmt.Errorf("decode labels response: status %q", env.Status)
	}
	return env.Data, nil
}

// DecodeSeriesResponse reads a series response; the series keep their order.
func DecodeSeriesResponse(r io.Reader) ([]labels.Labels, error) {
	var env struct {
		Status string              `json:"status"`
		Data   []map[string]string `json:"data"`
	}
	if err := json.NewDecoder(r).Decode(&env); err != nil {
		return nil, fmt.Errorf("decode series response: %w", err)
	}
	if env.Status != "success" {
		return nil, fmt.Errorf("decode series response: status %q", env.Status)
	}
	out := make([]labels.Labels, 0, len(env.Data))
	for _, m := range env.Data {
		out = append(out, labels.FromMap(m))
	}
	return out, nil
}
