-- wrk script: GET /v1/sessions/{id}/decision/ine-registry?version=v1, round-robin
-- over the seeded sessions, each request signed with its session's signature.
--
--   wrk -t2 -c64 -d15s -s ine_registry.lua http://127.0.0.1:PORT -- SESSIONS_FILE API_KEY
--
-- SESSIONS_FILE has one `session_id signature` line per session (seed_sessions.py).
-- Non-200 responses are counted per thread and summed in done(); done() also prints a
-- `BENCH key=value ...` line that ine_registry_bench.sh parses.

local threads = {}
local thread_count = 0

-- Runs in the main Lua state once per thread, before the threads start.
function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state).
local requests = {}
local next_index = 1
non200 = 0
not_found = 0
responses = 0

function init(args)
  local path, api_key = args[1], args[2]
  if path == nil or api_key == nil then
    error("usage: wrk ... -s ine_registry.lua URL -- SESSIONS_FILE API_KEY")
  end
  local file = assert(io.open(path, "r"))
  -- The request strings are built once: the per-request cost in wrk stays a table
  -- lookup, the same for both servers.
  for line in file:lines() do
    local id, signature = line:match("^(%S+)%s+(%S+)$")
    if id then
      requests[#requests + 1] = wrk.format("GET", "/v1/sessions/" .. id .. "/decision/ine-registry?version=v1", {
        ["X-AUTH-CLIENT"] = api_key,
        ["X-HMAC-SIGNATURE"] = signature,
      })
    end
  end
  file:close()
  if #requests == 0 then
    error("no sessions in " .. path)
  end
  -- Threads start at different points so that they do not walk the same sessions in step.
  next_index = (thread_index * math.floor(#requests / 2)) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index + 1
  if next_index > #requests then
    next_index = 1
  end
  return r
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then
    non200 = non200 + 1
    -- A session whose check is still pending answers 404 (checks_e2e_bench.sh counts them).
    if status == 404 then
      not_found = not_found + 1
    end
  end
end

function done(summary, latency, requests_stats)
  local non200_total, not_found_total, responses_total = 0, 0, 0
  for _, thread in ipairs(threads) do
    non200_total = non200_total + thread:get("non200")
    not_found_total = not_found_total + thread:get("not_found")
    responses_total = responses_total + thread:get("responses")
  end
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format("non-200 responses: %d of %d\n", non200_total, responses_total))
  io.write(string.format("latency p50 %.3f ms, p99 %.3f ms\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
  io.write(string.format(
    "BENCH requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f non200=%d not_found=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, non200_total, not_found_total, socket_errors))
end
