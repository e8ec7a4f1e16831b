-- Shared by every bench script (bench/cmd/bench prepends it). wrk runs setup() in its main Lua state
-- once per thread, before that thread's init(); thread:set makes `tid` a global in the thread's state.
local next_tid = 0
local threads = {}
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  threads[next_tid] = thread
end

-- seed gives each thread its own random sequence.
function seed()
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
end

-- read_lines loads a file of one credential per line.
function read_lines(path)
  local t, n = {}, 0
  for line in io.lines(path) do
    if line ~= "" then
      n = n + 1
      t[n] = line
    end
  end
  assert(n > 0, "no lines in " .. path)
  return t, n
end

-- done prints one machine-readable line that bench/cmd/bench parses. Latencies are in microseconds.
-- throttled is the number of 429 answers, counted by scripts that define response() (flood.lua).
function done(summary, latency, requests)
  local e = summary.errors
  local throttled = 0
  for _, t in ipairs(threads) do
    throttled = throttled + (t:get("throttled") or 0)
  end
  io.write(string.format('BENCHJSON {"requests":%.0f,"duration_us":%.0f,"bytes":%.0f,' ..
    '"err_connect":%.0f,"err_read":%.0f,"err_write":%.0f,"err_status":%.0f,"err_timeout":%.0f,' ..
    '"mean_us":%.1f,"max_us":%.0f,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"throttled":%.0f}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99), throttled))
end
