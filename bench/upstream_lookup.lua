-- wrk script: POST registry lookups (docs/UPSTREAM.md) to `inereg registry serve-upstream`,
-- round-robin over the bodies in BODIES_FILE (one JSON request a line).
--
--   wrk -t2 -c400 -d10s -s upstream_lookup.lua http://127.0.0.1:PORT/v1/lookup -- BODIES_FILE [TOKEN]
--
-- done() prints a `BENCH key=value ...` line that serve_upstream_bench.sh parses.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local requests = {}
local next_index = 1
non200 = 0

function init(args)
  local path, token = args[1], args[2]
  if path == nil then
    error("usage: wrk ... -s upstream_lookup.lua URL -- BODIES_FILE [TOKEN]")
  end
  local headers = { ["Content-Type"] = "application/json" }
  if token ~= nil and token ~= "" then
    headers["Authorization"] = "Bearer " .. token
  end
  for line in io.lines(path) do
    table.insert(requests, wrk.format("POST", nil, headers, line))
  end
  if #requests == 0 then
    error("no request bodies in " .. path)
  end
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests_done)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non200")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("BENCH requests=%d rps=%.1f non200=%d errors=%d p50_ms=%.1f p99_ms=%.1f\n",
    summary.requests, summary.requests / seconds, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
