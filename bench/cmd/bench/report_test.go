package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseWrk(t *testing.T) {
	out := "Running 5s test @ http://127.0.0.1:1\n  2 threads and 32 connections\n" +
		`BENCHJSON {"requests":1000,"duration_us":2000000,"bytes":1,"err_connect":1,"err_read":2,"err_write":0,` +
		`"err_status":10,"err_timeout":3,"mean_us":1500.5,"max_us":9000,"p50_us":1000,"p90_us":2000,"p99_us":5000}` + "\n"
	r, err := parseWrk([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if r.ReqPerSec != 495 || r.P50Ms != 1 || r.P99Ms != 5 || r.Non2xx != 10 || r.SocketErrors != 6 || r.DurationS != 2 {
		t.Fatalf("got %+v", r)
	}
	if _, err := parseWrk([]byte("no summary")); err == nil {
		t.Fatal("want an error without a BENCHJSON line")
	}
}

func TestMedian(t *testing.T) {
	m := median([]runResult{{ReqPerSec: 3, P99Ms: 10, Requests: 1}, {ReqPerSec: 1, P99Ms: 30, Requests: 2}, {ReqPerSec: 2, P99Ms: 20, Requests: 3}})
	if m.ReqPerSec != 2 || m.P99Ms != 20 || m.Requests != 6 {
		t.Fatalf("got %+v", m)
	}
	if m := median([]runResult{{ReqPerSec: 1}, {ReqPerSec: 2}}); m.ReqPerSec != 1.5 {
		t.Fatalf("even count: got %v", m.ReqPerSec)
	}
	if median(nil) != nil {
		t.Fatal("median of nothing")
	}
}

func TestVerdicts(t *testing.T) {
	o := options{users: 10000, compareUsers: 10000, runs: 3, conns: []int{32, 128}, targets: []string{"pg"},
		only: map[string]bool{"me": true, "login": true}}
	r := &report{opt: o, Settings: map[string]any{"argon2": map[string]any{"memory_kib": 1, "time": 1, "threads": 1}},
		Host: map[string]any{"cpus": 2, "go": "go"}}
	set := func(server, name string, conns, users int, rps, p99, rss float64) {
		s := r.add("pg", server, name, conns, users)
		for range 3 {
			s.Runs = append(s.Runs, runResult{ReqPerSec: rps, P99Ms: p99, PeakRSSMiB: rss, Requests: 100})
		}
	}
	set("gojoser", "me_token", 32, 10000, 900, 5, 40)
	set("baseline-pg", "me_token", 32, 10000, 1000, 5, 20)
	set("in-process", "argon2id", 2, 0, 100, 0, 0)
	set("gojoser", "login", 32, 10000, 80, 500, 120)
	set("gojoser", "login", 128, 10000, 95, 900, 160)
	r.add("pg", "gojoser", "me_bearer", 32, 10000).Skipped = "404"
	r.finish()
	want := map[string]string{
		"me Token PG 32c / baseline (pgx, 1 query)":  "PASS",
		"me Token PG 128c / baseline (pgx, 1 query)": "", // not measured: no row
		"Bearer / Token, me PG 32c":                  "SKIP",
		"login PG 32c / raw argon2id rate":           "FAIL",
		"login PG 128c / raw argon2id rate":          "PASS",
		"peak RSS, login storm PG 128c":              "FAIL",
		"p99 me Token PG 32c, 1M vs 10k users":       "SKIP",
	}
	for _, row := range r.Targets {
		if v, ok := want[row.Figure]; ok {
			if v == "" {
				t.Errorf("%s: unexpected row", row.Figure)
			}
			if row.Verdict != v {
				t.Errorf("%s: verdict %s, want %s (%s)", row.Figure, row.Verdict, v, row.Detail)
			}
			delete(want, row.Figure)
		}
	}
	for f, v := range want {
		if v != "" {
			t.Errorf("no row %q", f)
		}
	}
	if md := r.markdown(); !strings.Contains(md, "| me Token PG 32c / baseline (pgx, 1 query) | 0.90× | ≥ 0.80 | PASS |") {
		t.Errorf("markdown:\n%s", md)
	}
}

// Runs measured in one batch are compared round by round: a machine that slowed down in one round
// slows both sides of that round's ratio, not one side of a ratio of medians.
func TestPairedRatio(t *testing.T) {
	r := &report{}
	a := r.add("pg", "gojoser", "login", 32, 10000)
	b := r.add("pg", "in-process", "argon2id", 2, 0)
	for _, v := range [][2]float64{{60, 70}, {90, 100}, {80, 85}} {
		a.Runs = append(a.Runs, runResult{ReqPerSec: v[0], ServerCPU: 1.8})
		b.Runs = append(b.Runs, runResult{ReqPerSec: v[1], ServerCPU: 2})
	}
	a.Median, b.Median = median(a.Runs), median(b.Runs)
	rps := func(x *runResult) float64 { return x.ReqPerSec }

	r.ratio("unpaired", ">=", 0.9, "", a, b, rps, "/s")
	a.Batch, b.Batch = 1, 1
	r.ratio("paired", ">=", 0.9, "", a, b, rps, "/s")
	if got := *r.Targets[0].Value; got < 0.94 || got > 0.95 {
		t.Errorf("different batches: %v, want the ratio of medians 80/85", got)
	}
	if got := *r.Targets[1].Value; got != 0.9 || r.Targets[1].Verdict != "PASS" {
		t.Errorf("one batch: %v %s, want the median of 60/70, 90/100, 80/85 = 0.90 and PASS", got, r.Targets[1].Verdict)
	}
	if !strings.Contains(r.Targets[1].Detail, "per CPU-second 1.00×") {
		t.Errorf("detail %q: want the paired per-CPU ratio 0.9/(1.8/2)", r.Targets[1].Detail)
	}
}

// The throttling rows: a flood's 429s are its answers, not errors, and are judged against the login
// rate; the limits' cost to logins and to me is a ratio within one batch.
func TestThrottlingRows(t *testing.T) {
	o := options{users: 10000, compareUsers: 10000, runs: 3, conns: []int{32}, targets: []string{"sqlite"},
		only: map[string]bool{"me": true, "login": true, "flood": true}}
	r := &report{opt: o, Settings: map[string]any{"argon2": map[string]any{"memory_kib": 1, "time": 1, "threads": 1}},
		Host: map[string]any{"cpus": 2, "go": "go"}}
	set := func(name string, batch int, run runResult) {
		s := r.add("sqlite", "gojoser", name, 32, 10000)
		s.Batch = batch
		for range 3 {
			s.Runs = append(s.Runs, run)
		}
	}
	set("login", 1, runResult{ReqPerSec: 50, ServerCPU: 1.9, Requests: 500})
	set(loginThrottledScenario, 1, runResult{ReqPerSec: 49, ServerCPU: 1.9, Requests: 490})
	set(floodScenario, 2, runResult{ReqPerSec: 3000, ServerCPU: 0.6, Requests: 30100, Non2xx: 30100, Throttled: 30000})
	set("me_token", 3, runResult{ReqPerSec: 900, ServerCPU: 1, Requests: 9000})
	set(meUnthrottledScenario, 3, runResult{ReqPerSec: 1000, ServerCPU: 1, Requests: 10000})
	r.finish()
	want := map[string]string{
		"login SQLite 32c, throttling on (limits raised) / off": "PASS 0.98",
		"429s of a login flood SQLite 32c / login rate":         "PASS 60.00",
		"server CPU per 429, login flood SQLite 32c":            "INFO 200.00",
		"me Token SQLite 32c, throttling on / off":              "FAIL 0.90",
	}
	for _, row := range r.Targets {
		if w, ok := want[row.Figure]; ok {
			if got := fmt.Sprintf("%s %.2f", row.Verdict, *row.Value); got != w {
				t.Errorf("%s: %s, want %s (%s)", row.Figure, got, w, row.Detail)
			}
			delete(want, row.Figure)
		}
	}
	for f := range want {
		t.Errorf("no row %q", f)
	}
	if rate := r.find("sqlite", "gojoser", floodScenario, 32, 10000).errorRate(); rate < 0.003 || rate > 0.004 {
		t.Errorf("flood error rate %v: want the 100 non-429 answers of 30100", rate)
	}
	if md := r.markdown(); !strings.Contains(md, "| sqlite | gojoser | login_flood | 10k | 32 | 3000 |") {
		t.Errorf("markdown:\n%s", md)
	}
}
