-- wrk script: POST /v1/sessions with one fixed create-session body (INE data of a
-- registry record), signed; every request creates a new session.
--
--   wrk -t2 -c64 -d10s -s create_session.lua http://127.0.0.1:PORT -- BODY_FILE API_KEY SIGNATURE [ID_DIR]
--
-- SIGNATURE is the lowercase hex HMAC-SHA256 of BODY_FILE's exact bytes under the
-- integration's shared secret (store_bench.sh computes it with openssl). Non-201
-- responses are counted per thread and summed in done(), which prints the same
-- `BENCH key=value ...` line as ine_registry.lua. With ID_DIR, each thread writes the
-- ids of the sessions it created to ID_DIR/ids-N.txt, appending (for session_request.lua).

local threads = {}
local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local ids_file = nil

local request_text = nil
non201 = 0
responses = 0

function init(args)
  local path, api_key, signature = args[1], args[2], args[3]
  if args[4] ~= nil then
    ids_file = assert(io.open(args[4] .. "/ids-" .. (index or 0) .. ".txt", "a"))
    ids_file:setvbuf("line")
  end
  if path == nil or api_key == nil or signature == nil then
    error("usage: wrk ... -s create_session.lua URL -- BODY_FILE API_KEY SIGNATURE")
  end
  local file = assert(io.open(path, "rb"))
  local body = file:read("*a")
  file:close()
  -- Built once: the per-request cost in wrk is returning a string.
  request_text = wrk.format("POST", "/v1/sessions", {
    ["Content-Type"] = "application/json",
    ["X-AUTH-CLIENT"] = api_key,
    ["X-HMAC-SIGNATURE"] = signature,
  }, body)
end

function request()
  return request_text
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 201 then
    non201 = non201 + 1
  elseif ids_file ~= nil then
    local id = string.match(body, '"id":"([^"]+)"')
    if id ~= nil then
      ids_file:write(id, "\n")
    end
  end
end

function done(summary, latency, requests_stats)
  local bad_total, responses_total = 0, 0
  for _, thread in ipairs(threads) do
    bad_total = bad_total + thread:get("non201")
    responses_total = responses_total + thread:get("responses")
  end
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  local socket_errors = errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format("non-201 responses: %d of %d\n", bad_total, responses_total))
  io.write(string.format(
    "BENCH requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f non200=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, bad_total, socket_errors))
end
