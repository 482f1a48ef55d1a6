package logql_test

import (
	"math"
	"strconv"
	"testing"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

// secs converts a Go duration literal to seconds as unwrap duration() does.
func secs(s string) float64 {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return d.Seconds()
}

// seqSum adds in order, as a window is summed.
func seqSum(vs ...float64) float64 {
	var s float64
	for _, v := range vs {
		s += v
	}
	return s
}

func popVar(vs ...float64) float64 {
	m := seqSum(vs...) / float64(len(vs))
	var s float64
	for _, v := range vs {
		s += (v - m) * (v - m)
	}
	return s / float64(len(vs))
}

func corpusMetricCases() []corpusCase {
	// Line lengths for bytes_*.
	dbBytes := len(line(db, 5)) + len(line(db, 25)) + len(line(db, 45))
	a2Bytes := len(line(a2, 15)) + len(line(a2, 35)) + len(line(a2, 55))
	infoDur := []float64{secs("15ms"), secs("120ms"), secs("8ms"), secs("1ms"), secs("45ms"), secs("1.5s")}
	errDur := []float64{secs("250ms"), secs("2s"), secs("300ms")}
	webLat := []float64{secs("20ms"), secs("5ms"), secs("35ms"), secs("1.2s")}

	return []corpusCase{
		// count_over_time windows are (t-range, t].
		inst(`count_over_time({app="api"}[1m])`, 60, a2+`=3 `+a1+`=6`),
		inst(`count_over_time({app="api"}[1m])`, 30, a2+`=1 `+a1+`=3`),
		inst(`count_over_time({app="api"}[30s])`, 60, a2+`=2 `+a1+`=3`),
		inst(`count_over_time({app="api"}[10s])`, 60, a2+`=1 `+a1+`=1`),
		inst(`count_over_time({app="api"}[10s])`, 50, a1+`=1`),
		inst(`count_over_time({app="api"}[10s])`, 45, a1+`=1`),
		inst(`count_over_time({app="api"}[5s])`, 35, a2+`=1`),
		inst(`count_over_time({app="api"}[5s])`, 29, ``),
		inst(`count_over_time({app="api"}[1ms])`, 10, a1+`=1`),
		inst(`count_over_time({app="api"}[1h])`, 3600, a2+`=3 `+a1+`=6`),
		inst(`count_over_time({app="api"}[1h])`, 3610, a2+`=3 `+a1+`=5`),
		inst(`count_over_time({app="api"}[30s] offset 30s)`, 60, a2+`=1 `+a1+`=3`),
		inst(`count_over_time({app="api"}[10s] offset 1m)`, 120, a2+`=1 `+a1+`=1`),
		inst(`count_over_time({app="api"}[1m] offset 1h)`, 60, ``),
		inst(`count_over_time({app="api"} |= "users" [1m])`, 60, a2+`=2 `+a1+`=3`),
		inst(`count_over_time({app="api"}[1m] |= "users")`, 60, a2+`=2 `+a1+`=3`),
		inst(`count_over_time(({app="api"} |= "users")[1m])`, 60, a2+`=2 `+a1+`=3`),
		inst(`count_over_time({app="nope"}[1m])`, 60, ``),
		inst(`count_over_time({app="db"}[1m])`, 5, db+`=1`),
		inst(`count_over_time({app="db"}[1m])`, 4, ``),
		inst(`count_over_time({app="web"} |= ip("10.0.0.0/8") [1m])`, 60, wb+`=2`),
		inst(`count_over_time({app="web"} |~ "\"level\":\"(warn|error)\"" [1m])`, 60, wb+`=2`),
		inst(`count_over_time({app="api"} |> "<_> status=500 <_>" [1m])`, 60, a2+`=2`),
		inst(`count_over_time({app="sm"} | trace_id!="" [1m])`, 180, `{app="sm", trace_id="abc"}=1 {app="sm", trace_id="def"}=1`),
		inst(`sum by (trace_id) (count_over_time({app="sm"} | trace_id!="" [1m]))`, 180, `{trace_id="abc"}=1 {trace_id="def"}=1`),
		inst(`sum(count_over_time({app="sm"}[1m]))`, 180, `{}=3`),
		// Vector aggregations.
		inst(`sum(count_over_time({app=~".+"}[1m]))`, 60, `{}=17`),
		inst(`sum(count_over_time({app=~".+"}[1m]))`, 100, `{}=6`),
		inst(`count(count_over_time({app=~".+"}[1m]))`, 60, `{}=4`),
		inst(`sum by (app) (count_over_time({app=~".+"}[1m]))`, 60, `{app="api"}=9 {app="db"}=3 {app="web"}=5`),
		inst(`sum(count_over_time({app=~".+"}[1m])) by (app)`, 60, `{app="api"}=9 {app="db"}=3 {app="web"}=5`),
		inst(`sum without (level) (count_over_time({app=~".+"}[1m]))`, 60, `{app="api", env="prod"}=9 {app="db", env="prod"}=3 {app="web", env="dev"}=5`),
		inst(`sum without (level, env) (count_over_time({app=~".+"}[1m]))`, 60, `{app="api"}=9 {app="db"}=3 {app="web"}=5`),
		inst(`sum by (env) (count_over_time({app=~".+"}[1m]))`, 60, `{env="dev"}=5 {env="prod"}=12`),
		inst(`sum by (level) (count_over_time({app=~".+"}[1m]))`, 60, `{level="error"}=3 {level="info"}=6 {}=8`),
		inst(`sum by (nothing) (count_over_time({app=~".+"}[1m]))`, 60, `{}=17`),
		inst(`sum by () (count_over_time({app=~".+"}[1m]))`, 60, `{}=17`),
		inst(`count by (env) (count_over_time({app=~".+"}[1m]))`, 60, `{env="dev"}=1 {env="prod"}=3`),
		inst(`avg by (env) (count_over_time({app=~".+"}[1m]))`, 60, `{env="dev"}=5 {env="prod"}=4`),
		inst(`avg(count_over_time({app=~".+"}[1m]))`, 60, `{}=4.25`),
		inst(`max by (env) (count_over_time({app=~".+"}[1m]))`, 60, `{env="dev"}=5 {env="prod"}=6`),
		inst(`min by (env) (count_over_time({app=~".+"}[1m]))`, 60, `{env="dev"}=5 {env="prod"}=3`),
		inst(`max(count_over_time({app=~".+"}[1m]))`, 60, `{}=6`),
		inst(`min(count_over_time({app=~".+"}[1m]))`, 60, `{}=3`),
		inst(`stddev by (env) (count_over_time({app=~".+"}[1m]))`, 60, `{env="dev"}=0 {env="prod"}=`+fv(math.Sqrt(2))),
		inst(`stdvar by (env) (count_over_time({app=~".+"}[1m]))`, 60, `{env="dev"}=0 {env="prod"}=2`),
		inst(`stdvar(count_over_time({app=~".+"}[1m]))`, 60, `{}=`+fv(popVar(6, 3, 5, 3))),
		instOrdered(`topk(2, count_over_time({app=~".+"}[1m]))`, 60, a1+`=6 `+wb+`=5`),
		instOrdered(`topk(1, count_over_time({app=~".+"}[1m]))`, 60, a1+`=6`),
		instOrdered(`topk(10, count_over_time({app=~".+"}[1m]))`, 60, a2+`=3 `+a1+`=6 `+db+`=3 `+wb+`=5`),
		instOrdered(`bottomk(1, count_over_time({app=~".+"}[1m]))`, 60, a2+`=3`),
		instOrdered(`bottomk(3, count_over_time({app=~".+"}[1m]))`, 60, a2+`=3 `+db+`=3 `+wb+`=5`),
		inst(`topk by (env) (1, count_over_time({app=~".+"}[1m]))`, 60, a1+`=6 `+wb+`=5`),
		inst(`topk(1, count_over_time({app=~".+"}[1m])) by (app)`, 60, a1+`=6 `+db+`=3 `+wb+`=5`),
		inst(`bottomk by (app) (1, count_over_time({app=~".+"}[1m]))`, 60, a2+`=3 `+db+`=3 `+wb+`=5`),
		instOrdered(`sort(sum by (app) (count_over_time({app=~".+"}[1m])))`, 60, `{app="db"}=3 {app="web"}=5 {app="api"}=9`),
		instOrdered(`sort_desc(sum by (app) (count_over_time({app=~".+"}[1m])))`, 60, `{app="api"}=9 {app="web"}=5 {app="db"}=3`),
		instOrdered(`sort_desc(count_over_time({app=~"api|web"}[1m]))`, 60, a1+`=6 `+wb+`=5 `+a2+`=3`),
		inst(`sum(sum by (app) (count_over_time({app=~".+"}[1m])))`, 60, `{}=17`),
		inst(`max(sum by (app) (count_over_time({app=~".+"}[1m])))`, 60, `{}=9`),
		inst(`count(sum by (env) (count_over_time({app=~".+"}[1m])))`, 60, `{}=2`),
		inst(`sum by (level) (count_over_time({app="api"} | logfmt [1m]))`, 60, `{level="error"}=3 {level="info"}=6`),
		inst(`sum by (level_extracted) (count_over_time({app="api"} | logfmt [1m]))`, 60, `{level_extracted="error"}=3 {level_extracted="info"}=6`),
		inst(`sum by (status) (count_over_time({app="api"} | logfmt [1m]))`, 60, `{status="200"}=4 {status="201"}=1 {status="204"}=1 {status="500"}=2 {status="503"}=1`),
		inst(`sum by (method) (rate({app="api"} | logfmt [1m]))`, 60, `{method="DELETE"}=`+fv(1.0/60)+` {method="GET"}=0.1 {method="POST"}=`+fv(2.0/60)),
		inst(`sum by (path) (count_over_time({app="api"} | logfmt | status >= 500 [1m]))`, 60, `{path="/orders"}=1 {path="/users"}=2`),
		inst(`sum(count_over_time({app="api"} | logfmt | duration > 100ms [1m]))`, 60, `{}=5`),
		inst(`sum(count_over_time({app="api"} | logfmt | size >= 1KiB [1m]))`, 60, `{}=3`),
		inst(`sum by (user) (count_over_time({app="api"} | logfmt | user!="" [1m]))`, 60, `{user="ann"}=2 {user="bob"}=2 {user="cy"}=1`),
		inst(`sum by (level) (count_over_time({app="web"} | json | __error__="" [1m]))`, 60, `{level="error"}=1 {level="info"}=2 {level="warn"}=1`),
		inst(`sum by (user_name) (count_over_time({app="web"} | json | __error__="" [1m]))`, 60, `{user_name="ann"}=2 {user_name="bob"}=1 {user_name="cy"}=1`),
		inst(`sum(count_over_time({app="web"} | json | __error__="" [1m]))`, 60, `{}=4`),
		inst(`sum by (__error__) (count_over_time({app="web"} | json | __error__!="" [1m]))`, 60, `err:pipeline error: 'JSONParserErr'`),
		inst(`count_over_time({app="web"} | json [1m])`, 60, `err:pipeline error: 'JSONParserErr' for series: '{__error__="JSONParserErr"`),
		inst(`sum(count_over_time({app="web"} | json [1m]))`, 50, `{}=4`), // the bad line at 59 is outside (-10s, 50s]
		inst(`sum by (code) (count_over_time({app="db"} | pattern "<_> \"<_>\" <code> <_>" [1m]))`, 60, `{code="200"}=1 {code="500"}=1 {}=1`),
		inst(`sum by (verb) (count_over_time({app="db"} | regexp "\"(?P<verb>[A-Z]+) " [1m]))`, 60, `{verb="GET"}=1 {verb="POST"}=1 {}=1`),
		inst(`sum(count_over_time({app="db"} | decolorize |= "ERROR slow" [1m]))`, 60, `{}=1`),
		inst(`sum by (service) (count_over_time({app=~"api|db"} | label_format service=app [1m]))`, 60, `{service="api"}=9 {service="db"}=3`),
		inst(`count_over_time({app="api"} | drop level [1m])`, 60, `{app="api", env="prod"}=9`),
		inst(`count_over_time({app=~".+"} | keep env [1m])`, 60, `{env="dev"}=5 {env="prod"}=12`),
		inst(`count_over_time({app="api"} | line_format "x" [1m])`, 60, a2+`=3 `+a1+`=6`),
		// rate, bytes.
		inst(`rate({app="api"}[1m])`, 60, a2+`=0.05 `+a1+`=0.1`),
		inst(`rate({app="api"}[10s])`, 60, a2+`=0.1 `+a1+`=0.1`),
		inst(`sum(rate({app=~".+"}[1m]))`, 60, `{}=`+fv(17.0/60)),
		inst(`sum by (app) (rate({app=~".+"}[1m])) * 60`, 60, `{app="api"}=9 {app="db"}=3 {app="web"}=5`),
		inst(`bytes_over_time({app="db"}[1m])`, 60, db+`=`+itoa(dbBytes)),
		inst(`bytes_over_time({app="db"}[10s])`, 30, db+`=`+itoa(len(line(db, 25)))),
		inst(`bytes_rate({app="db"}[1m])`, 60, db+`=`+fv(float64(dbBytes)/60)),
		inst(`sum(bytes_over_time({app="api", level="error"}[1m]))`, 60, `{}=`+itoa(a2Bytes)),
		inst(`bytes_over_time({app="db"} |= "POST" [1m])`, 60, db+`=`+itoa(len(line(db, 25)))),
		inst(`bytes_over_time({app="db"} | decolorize |= "ERROR" [1m])`, 60, db+`=`+itoa(len("ERROR slow query took 900ms"))),
		inst(`bytes_over_time({app="db"} | line_format "{{.app}}" [1m])`, 60, db+`=6`),
		// Unwrapped range aggregations.
		inst(`sum_over_time({app="api"} | logfmt | unwrap duration(duration) [1m]) by (level)`, 60, `{level="error"}=`+fv(seqSum(errDur...))+` {level="info"}=`+fv(seqSum(infoDur...))),
		inst(`avg_over_time({app="api"} | logfmt | unwrap duration(duration) [1m]) by (level)`, 60, `{level="error"}=`+fv(seqSum(errDur...)/3)+` {level="info"}=`+fv(seqSum(infoDur...)/6)),
		inst(`max_over_time({app="api"} | logfmt | unwrap duration(duration) [1m]) by (level)`, 60, `{level="error"}=2 {level="info"}=1.5`),
		inst(`min_over_time({app="api"} | logfmt | unwrap duration(duration) [1m]) by (level)`, 60, `{level="error"}=0.25 {level="info"}=0.001`),
		inst(`first_over_time({app="api"} | logfmt | unwrap duration(duration) [1m]) by (level)`, 60, `{level="error"}=0.25 {level="info"}=0.015`),
		inst(`last_over_time({app="api"} | logfmt | unwrap duration(duration) [1m]) by (level)`, 60, `{level="error"}=0.3 {level="info"}=1.5`),
		inst(`quantile_over_time(0.5, {app="api"} | logfmt | unwrap duration(duration) [1m]) by (level)`, 60, `{level="error"}=0.3 {level="info"}=`+fv(0.015*0.5+0.045*0.5)),
		inst(`quantile_over_time(0.99, {app="api", level="error"} | logfmt | unwrap duration_seconds(duration) [1m]) by (app)`, 60, `{app="api"}=`+fv(0.3*(1-0.98)+2*0.98)),
		inst(`quantile_over_time(0, {app="api", level="error"} | logfmt | unwrap duration(duration) [1m]) by (app)`, 60, `{app="api"}=0.25`),
		inst(`quantile_over_time(1, {app="api", level="error"} | logfmt | unwrap duration(duration) [1m]) by (app)`, 60, `{app="api"}=2`),
		inst(`stdvar_over_time({app="api", level="error"} | logfmt | unwrap duration(duration) [1m]) by (app)`, 60, `{app="api"}=`+fv(popVar(errDur...))),
		inst(`stddev_over_time({app="api", level="error"} | logfmt | unwrap duration(duration) [1m]) by (app)`, 60, `{app="api"}=`+fv(math.Sqrt(popVar(errDur...)))),
		inst(`sum_over_time({app="api"} | logfmt | unwrap bytes(size) [1m]) by (app)`, 60, `{app="api"}=8246`),
		inst(`max_over_time({app="api"} | logfmt | unwrap bytes(size) [1m]) by (level)`, 60, `{level="error"}=120 {level="info"}=4096`),
		inst(`sum_over_time({app="api"} | logfmt | unwrap status [1m]) by (level)`, 60, `{level="error"}=1503 {level="info"}=1205`),
		inst(`rate({app="api"} | logfmt | unwrap status [1m]) by (level)`, 60, `{level="error"}=`+fv(1503.0/60)+` {level="info"}=`+fv(1205.0/60)),
		inst(`sum_over_time({app="api"} | logfmt | unwrap status [30s]) without (method, path, size, duration, user, msg, level_extracted, status)`, 60, a2+`=1003 `+a1+`=604`),
		inst(`avg_over_time({app="api"} | logfmt | status < 300 | unwrap status [1m]) by (app)`, 60, `{app="api"}=`+fv(1205.0/6)),
		inst(`sum_over_time({app="web"} | json | unwrap duration(latency) | __error__="" [1m]) by (app)`, 60, `{app="web"}=`+fv(seqSum(webLat...))),
		inst(`sum_over_time({app="web"} | json | __error__="" | unwrap duration(latency) [1m]) by (app)`, 60, `{app="web"}=`+fv(seqSum(webLat...))),
		inst(`max_over_time({app="web"} | json | __error__="" | unwrap user_id [1m]) by (user_name)`, 60, `{user_name="ann"}=7 {user_name="bob"}=8 {user_name="cy"}=9`),
		inst(`sum_over_time({app="web"} | json | unwrap latency [1m])`, 60, `err:pipeline error: '`),
		inst(`sum_over_time({app="web"} | json | __error__="" | unwrap latency [1m]) by (app)`, 60, `err:pipeline error: 'SampleExtractionErr'`),
		inst(`sum_over_time({app="web"} | json | __error__="" | unwrap latency | __error__="" [1m]) by (app)`, 60, ``),
		inst(`sum(sum_over_time({app="api"} | logfmt | unwrap status [1m]) by (level))`, 60, `{}=2708`),
		inst(`max(max_over_time({app="api"} | logfmt | unwrap duration(duration) [1m]) by (level))`, 60, `{}=2`),
		inst(`rate_counter({app="ctr"} | logfmt | unwrap count [1m])`, 355, `{app="ctr"}=0.9`),
		inst(`last_over_time({app="ctr"} | logfmt | unwrap count [1m])`, 355, `{app="ctr"}=25`),
		inst(`max_over_time({app="ctr"} | logfmt | unwrap count [25s])`, 335, `{app="ctr"}=30`),
		inst(`min_over_time({app="ctr"} | logfmt | unwrap count [1m] offset 5s)`, 355, `{app="ctr"}=5`),
		// absent_over_time.
		inst(`absent_over_time({app="nope"}[1m])`, 60, `{app="nope"}=1`),
		inst(`absent_over_time({app="api"}[1m])`, 60, ``),
		inst(`absent_over_time({app="api", level=~"x.*"}[1m])`, 60, `{app="api"}=1`),
		inst(`absent_over_time({app="api"} |= "nothing" [1m])`, 60, `{app="api"}=1`),
		inst(`absent_over_time({app="api"}[5s])`, 28, `{app="api"}=1`),
		inst(`absent_over_time({app="api"}[5s])`, 33, ``),
		rng(`absent_over_time({app="db"}[10s])`, 0, 60, 10, `{app="db"}=[0:1 20:1 40:1 60:1]`),
		// Binary operations with scalars.
		inst(`sum(count_over_time({app="api"}[1m])) + 1`, 60, `{}=10`),
		inst(`1 + sum(count_over_time({app="api"}[1m]))`, 60, `{}=10`),
		inst(`sum(count_over_time({app="api"}[1m])) * 2`, 60, `{}=18`),
		inst(`sum(count_over_time({app="api"}[1m])) / 4`, 60, `{}=2.25`),
		inst(`sum(count_over_time({app="api"}[1m])) % 4`, 60, `{}=1`),
		inst(`sum(count_over_time({app="api"}[1m])) ^ 2`, 60, `{}=81`),
		inst(`sum(count_over_time({app="api"}[1m])) - 10`, 60, `{}=-1`),
		inst(`10 - sum(count_over_time({app="api"}[1m]))`, 60, `{}=1`),
		inst(`18 / sum(count_over_time({app="api"}[1m]))`, 60, `{}=2`),
		inst(`sum(count_over_time({app="api"}[1m])) / 0`, 60, `{}=+Inf`),
		inst(`2 ^ 3 ^ 2`, 60, `512`),
		inst(`1 + 2 * 3`, 60, `7`),
		inst(`(1 + 2) * 3`, 60, `9`),
		inst(`10 % 4`, 60, `2`),
		inst(`-2 + 1`, 60, `-1`),
		inst(`7 / 2`, 60, `3.5`),
		inst(`1 == bool 1`, 60, `1`),
		inst(`1 > bool 2`, 60, `0`),
		inst(`2 >= bool 2`, 60, `1`),
		inst(`3 != bool 3`, 60, `0`),
		inst(`2 < bool 3`, 60, `1`),
		inst(`2 <= bool 1`, 60, `0`),
		inst(`count_over_time({app="api"}[1m]) > 4`, 60, a1+`=6`),
		inst(`count_over_time({app="api"}[1m]) > bool 4`, 60, a2+`=0 `+a1+`=1`),
		inst(`4 < count_over_time({app="api"}[1m])`, 60, a1+`=6`),
		inst(`4 < bool count_over_time({app="api"}[1m])`, 60, a2+`=0 `+a1+`=1`),
		inst(`count_over_time({app="api"}[1m]) == 3`, 60, a2+`=3`),
		inst(`count_over_time({app="api"}[1m]) != 3`, 60, a1+`=6`),
		inst(`count_over_time({app="api"}[1m]) <= 3`, 60, a2+`=3`),
		inst(`count_over_time({app="api"}[1m]) >= 6`, 60, a1+`=6`),
		inst(`count_over_time({app="api"}[1m]) < 6`, 60, a2+`=3`),
		inst(`count_over_time({app="api"}[1m]) > 100`, 60, ``),
		inst(`count_over_time({app="api"}[1m]) * 10 > 40`, 60, a1+`=60`),
		inst(`sum(count_over_time({app="api"}[1m])) > 5 and 1 < 2`, 60, `err:comparisons between scalars must use BOOL modifier`),
		// Vector-vector.
		inst(`count_over_time({app="api"}[1m]) / count_over_time({app="api"}[30s])`, 60, a2+`=1.5 `+a1+`=2`),
		inst(`count_over_time({app="api"}[1m]) - count_over_time({app="api"}[30s])`, 60, a2+`=1 `+a1+`=3`),
		inst(`count_over_time({app="api"}[1m]) > count_over_time({app="api"}[30s])`, 60, a2+`=3 `+a1+`=6`),
		inst(`count_over_time({app="api"}[30s]) > bool count_over_time({app="api"}[1m])`, 60, a2+`=0 `+a1+`=0`),
		inst(`count_over_time({app="api"}[1m]) == count_over_time({app="api"}[1m])`, 60, a2+`=3 `+a1+`=6`),
		inst(`sum by (app) (count_over_time({app=~".+"}[1m])) / on (app) sum by (app) (count_over_time({app=~".+"}[30s]))`, 60, `{app="api"}=1.8 {app="db"}=3 {app="web"}=`+fv(5.0/3)),
		inst(`count_over_time({app=~".+"}[1m]) / on (app, env) count_over_time({app=~"db|web"}[30s])`, 60, `{app="db", env="prod"}=3 {app="web", env="dev"}=`+fv(5.0/3)),
		inst(`count_over_time({app="api"}[1m]) / ignoring (level) group_left sum by (app, env) (count_over_time({app="api"}[1m]))`, 60, a2+`=`+fv(3.0/9)+` `+a1+`=`+fv(6.0/9)),
		inst(`sum by (app, env) (count_over_time({app="api"}[1m])) / ignoring (level) group_right count_over_time({app="api"}[1m])`, 60, a2+`=3 `+a1+`=1.5`),
		inst(`count_over_time({app="api"}[1m]) / on (app) group_left sum by (app) (count_over_time({app="api"}[1m]))`, 60, a2+`=`+fv(3.0/9)+` `+a1+`=`+fv(6.0/9)),
		inst(`count_over_time({app="db"}[1m]) * on (app) group_left (owner) label_replace(label_replace(vector(2), "app", "db", "", ""), "owner", "team-a", "", "")`, 60, `{app="db", env="prod", owner="team-a"}=6`),
		inst(`count_over_time({app="api"}[1m]) + on (app) count_over_time({app="api"}[1m])`, 60, `err:found duplicate series for the match group {app="api"} on the right hand-side of the operation`),
		inst(`count_over_time({app="api"}[1m]) + ignoring (level) count_over_time({app="api"}[30s])`, 60, `err:found duplicate series for the match group`),
		inst(`sum(count_over_time({app="api"}[1m])) + sum(count_over_time({app="db"}[1m]))`, 60, `{}=12`),
		inst(`sum by (env) (count_over_time({app=~".+"}[1m])) - sum by (env) (count_over_time({app="web"}[1m]))`, 60, `{env="dev"}=0`),
		inst(`sum by (app) (count_over_time({app=~".+"}[1m])) * ignoring (app) group_left sum(count_over_time({app="db"}[1m]))`, 60, `{app="api"}=27 {app="db"}=9 {app="web"}=15`),
		// Set operations.
		inst(`count_over_time({app=~".+"}[1m]) and count_over_time({app="api"}[1m])`, 60, a2+`=3 `+a1+`=6`),
		inst(`count_over_time({app=~".+"}[1m]) unless count_over_time({app="api"}[1m])`, 60, db+`=3 `+wb+`=5`),
		inst(`count_over_time({app="api"}[1m]) or count_over_time({app="db"}[1m])`, 60, a2+`=3 `+a1+`=6 `+db+`=3`),
		inst(`count_over_time({app="api"}[1m]) or count_over_time({app=~"api|db"}[30s])`, 60, a2+`=3 `+a1+`=6 `+db+`=1`),
		inst(`sum by (env) (count_over_time({app=~".+"}[1m])) and on (env) sum by (env) (count_over_time({app="web"}[1m]))`, 60, `{env="dev"}=5`),
		inst(`count_over_time({app=~".+"}[1m]) and on (env) count_over_time({app="web"}[1m])`, 60, wb+`=5`),
		inst(`count_over_time({app=~".+"}[1m]) unless ignoring (level) count_over_time({app="db"}[1m])`, 60, a2+`=3 `+a1+`=6 `+wb+`=5`),
		inst(`count_over_time({app=~".+"}[1m]) unless on (env) count_over_time({app="db"}[1m])`, 60, wb+`=5`),
		inst(`count_over_time({app=~".+"}[1m]) and count_over_time({app="nope"}[1m])`, 60, ``),
		inst(`sum(count_over_time({app="nope"}[1m])) or vector(0)`, 60, `{}=0`),
		inst(`sum(count_over_time({app="api"}[1m])) or vector(0)`, 60, `{}=9`),
		inst(`count_over_time({app="api"}[1m]) > 4 or count_over_time({app="api"}[1m]) < 4`, 60, a2+`=3 `+a1+`=6`),
		// vector(), literals, label_replace.
		inst(`vector(5)`, 60, `{}=5`),
		inst(`vector(1) + vector(2)`, 60, `{}=3`),
		inst(`vector(2) * 3`, 60, `{}=6`),
		inst(`vector(2) > 3`, 60, ``),
		inst(`3`, 60, `3`),
		inst(`-1.5`, 60, `-1.5`),
		inst(`label_replace(count_over_time({app="db"}[1m]), "svc", "$1-svc", "app", "(.*)")`, 60, `{app="db", env="prod", svc="db-svc"}=3`),
		inst(`label_replace(count_over_time({app="db"}[1m]), "app", "", "app", ".*")`, 60, `{env="prod"}=3`),
		inst(`label_replace(count_over_time({app="db"}[1m]), "x", "$1", "app", "z(.*)")`, 60, db+`=3`),
		inst(`label_replace(count_over_time({app="db"}[1m]), "env", "$2", "app", "(d)(b)")`, 60, `{app="db", env="b"}=3`),
		inst(`label_replace(count_over_time({app="db"}[1m]), "x", "${1}y", "app", "(d)b")`, 60, `{app="db", env="prod", x="dy"}=3`),
		inst(`sum by (x) (label_replace(count_over_time({app=~".+"}[1m]), "x", "$1", "env", "(p).*"))`, 60, `{x="p"}=12 {}=5`),
		// Range queries: a point per step t with window (t-range, t].
		rng(`count_over_time({app="api"}[10s])`, 0, 60, 10, a2+`=[20:1 40:1 60:1] `+a1+`=[10:1 20:1 30:1 40:1 50:1 60:1]`),
		rng(`sum(count_over_time({app=~".+"}[20s]))`, 20, 60, 20, `{}=[20:5 40:6 60:6]`),
		rng(`sum(count_over_time({app=~".+"}[20s] offset 20s))`, 40, 60, 20, `{}=[40:5 60:6]`),
		rng(`sum(count_over_time({app=~".+"}[20s]))`, 0, 25, 10, `{}=[10:2 20:5]`),
		rng(`rate({app="db"}[30s])`, 30, 60, 15, db+`=[30:`+fv(2.0/30)+` 45:`+fv(2.0/30)+` 60:`+fv(1.0/30)+`]`),
		rng(`topk(1, count_over_time({app=~".+"}[20s]))`, 20, 60, 20, a1+`=[20:2 40:2 60:2]`),
		rng(`sum by (app) (count_over_time({app=~".+"}[1m]))`, 60, 120, 30, `{app="api"}=[60:9 90:5] {app="db"}=[60:3 90:1] {app="web"}=[60:5 90:3]`),
		rng(`count_over_time({app="web"}[1m]) > 3`, 30, 90, 30, wb+`=[60:5]`),
		rng(`count_over_time({app="web"}[1m]) > bool 3`, 30, 90, 30, wb+`=[30:0 60:1 90:0]`),
		rng(`vector(1)`, 0, 20, 10, `{}=[0:1 10:1 20:1]`),
		rng(`2 * 3`, 0, 20, 10, `{}=[0:6 10:6 20:6]`),
		rng(`sum(count_over_time({app="nope"}[1m])) or vector(0)`, 0, 20, 10, `{}=[0:0 10:0 20:0]`),
		rng(`sum(count_over_time({app="db"}[10s])) or vector(0)`, 0, 30, 10, `{}=[0:0 10:1 20:0 30:1]`),
		rng(`absent_over_time({app="web"}[12s])`, 0, 72, 12, `{app="web"}=[0:1 72:1]`),
		rng(`max_over_time({app="ctr"} | logfmt | unwrap count [20s])`, 310, 350, 20, `{app="ctr"}=[310:20 330:30 350:25]`),
		rng(`sum_over_time({app="api"} | logfmt | unwrap status [1m]) by (app)`, 60, 60, 10, `{app="api"}=[60:2708]`),
		rng(`sort_desc(sum by (app) (count_over_time({app=~".+"}[1m])))`, 60, 60, 1, `{app="api"}=[60:9] {app="db"}=[60:3] {app="web"}=[60:5]`),
		// Limits and errors.
		{q: `count_over_time({app=~".+"}[1m])`, start: 60, end: 60, maxSeries: 3, want: `err:maximum number of series (3) reached for a single query`},
		{q: `count_over_time({app=~".+"}[1m])`, start: 60, end: 60, maxSeries: 4, want: a2 + `=3 ` + a1 + `=6 ` + db + `=3 ` + wb + `=5`},
		{q: `count_over_time({app=~".+"}[10s])`, start: 0, end: 60, step: 10, maxSeries: 2, want: `err:maximum number of series (2) reached`},
		rng(`count_over_time({app="api"}[1m])`, 0, 11001, 1, `err:exceeded maximum resolution of 11,000 points per time series`),
		rng(`count_over_time({app="api"}[1m]) > 100`, 0, 11000, 1, ``),
		rng(`count_over_time({app="api"}[1m])`, 0, 10, 0, `err:zero or negative query resolution step widths are not accepted`),
		inst(`{app="api"}`, 60, `err:log queries are not supported as an instant query type`),
		{q: `{app="api"}`, start: 0, end: 60, step: 1, limit: 6000, want: `err:max entries limit per query exceeded, limit > max_entries_limit_per_query (6000 > 5000)`},
		inst(`count_over_time({app=~".*"}[1m])`, 60, `err:queries require at least one regexp or equality matcher`),
		inst(`sum(count_over_time({app="api"}[1m])`, 60, `err:parse error at line 1, col 37: syntax error: unexpected $end`),
		inst(`sum_over_time({app="api"}[1m])`, 60, `err:invalid aggregation sum_over_time without unwrap`),
		inst(`{app="api"} | line_format "{{.bad"`, 60, `err:parse error`),
		inst(`count_over_time({app="api"} | pattern "<a><b>" [1m])`, 60, `err:parse error`),
		inst(`count_over_time({app="api"} |= ip("not-an-ip") [1m])`, 60, `err:parse error`),
	}
}

func TestCorpusMetricQueries(t *testing.T) {
	runCorpus(t, corpusMetricCases())
}
