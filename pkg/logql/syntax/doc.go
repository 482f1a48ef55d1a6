// Package syntax implements LogQL's lexer, parser and abstract syntax tree.
//
// ParseExpr parses any query; ParseLogSelector and ParseSampleExpr parse the two forms that data
// sources receive over the wire (a log selector with its pipeline, and one range aggregation).
// Every node's String method renders canonical LogQL, and parsing that text again yields an
// identical tree: /format_query and the querier → ingester RPCs rely on this round trip.
//
// Parse errors are *ParseError values whose text follows Loki's shape
// ("parse error at line 1, col 5: syntax error: unexpected IDENTIFIER, expecting STRING"), so
// clients that match on Loki's messages keep working.
//
// The parser is hand-written recursive descent with precedence climbing for binary operators.
// Keywords are contextual: the lexer emits identifiers and the parser decides from position
// whether "json" is a parser stage or a label name, so label names such as "duration" or "bytes"
// stay usable everywhere.
package syntax
