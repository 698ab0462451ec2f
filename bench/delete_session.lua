-- wrk script: DELETE /v1/sessions/{id}, each request a different session, signed with
-- its own signature (the HMAC-SHA256 of the id), from a file of "id signature" lines.
--
--   wrk -t2 -c64 -d8s -s delete_session.lua http://127.0.0.1:PORT -- SIGNED_IDS API_KEY THREADS
--
-- Thread k of n takes every n-th line, so the threads never delete the same session. A
-- request answered with another status than 200 counts as bad.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local requests = {}
local next_request = 0
non200 = 0
exhausted = 0

function init(args)
  local path, api_key = args[1], args[2]
  if path == nil or api_key == nil then
    error("usage: wrk ... -s delete_session.lua URL -- SIGNED_IDS API_KEY THREADS")
  end
  local k = index or 0  -- set by setup(), which wrk runs just before each thread's init
  local n = tonumber(args[3] or "2")
  local i = 0
  for line in io.lines(path) do
    local id, signature = string.match(line, "^(%S+) (%S+)$")
    if id ~= nil then
      if i % n == k then
        table.insert(requests, wrk.format("DELETE", "/v1/sessions/" .. id, {
          ["X-AUTH-CLIENT"] = api_key,
          ["X-HMAC-SIGNATURE"] = signature,
        }))
      end
      i = i + 1
    end
  end
end

function request()
  next_request = next_request + 1
  if next_request > #requests then
    exhausted = exhausted + 1
    next_request = 1
  end
  return requests[next_request]
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests_stats)
  local bad_total, exhausted_total = 0, 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("non200")
    exhausted_total = exhausted_total + thread:get("exhausted")
  end
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format("unexpected statuses: %d (ids ran out %d times)\n", bad_total, exhausted_total))
  io.write(string.format(
    "BENCH requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non200=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, bad_total, socket_errors))
end
