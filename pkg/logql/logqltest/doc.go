// Package logqltest provides an in-memory logql.Querier for tests of the engine and of
// anything built on it (HTTP handlers, frontends). It evaluates matchers, pipelines and sample
// extraction exactly as a real data source must, through logql.NewPipelineIterator and
// logql.NewExtractorIterator.
package logqltest
