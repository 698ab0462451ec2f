-- wrk script: one signed request per created session (ids from files of one id a line,
-- as create_session.lua writes them with ID_DIR), the same body for every session:
-- PATCH /v1/sessions/{id} status=submitted, POST /v1/sessions/{id}/media, or DELETE
-- /v1/sessions/{id} (no body). A request answered with another status than EXPECTED (a
-- session submitted twice answers 400) counts as bad.
--
--   wrk -t2 -c64 -d8s -s session_request.lua http://127.0.0.1:PORT -- \
--     ID_DIR API_KEY SIGNATURE THREADS METHOD PATH_SUFFIX BODY_FILE EXPECTED [ORDER]
--
-- Thread k of n takes every n-th id, so the threads never send the same session's; in
-- the order created, or newest first with ORDER "newest" (sessions an earlier run in
-- creation order has not reached).
-- SIGNATURE: the HMAC-SHA256 of BODY_FILE's bytes, or "per-id" when each line of ID_DIR's
-- files is "id signature" (a DELETE signs the id); PATH_SUFFIX: "" or "/media";
-- BODY_FILE: an empty file sends no body.

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
responses = 0
exhausted = 0

function init(args)
  local dir, api_key, signature, method, suffix, body_file = args[1], args[2], args[3], args[5], args[6], args[7]
  if dir == nil or api_key == nil or signature == nil or method == nil or suffix == nil or body_file == nil then
    error("usage: wrk ... -s session_request.lua URL -- ID_DIR API_KEY SIGNATURE THREADS METHOD PATH_SUFFIX BODY_FILE EXPECTED")
  end
  expected = tonumber(args[8] or "200")
  local file = assert(io.open(body_file, "rb"))
  local body = file:read("*a")
  file:close()
  local ids, signatures = {}, {}
  local listing = io.popen('cat "' .. dir .. '"/ids-*.txt')
  for line in listing:lines() do
    local id, own = string.match(line, "^(%S+) ?(%S*)$")
    if id ~= nil then
      table.insert(ids, id)
      table.insert(signatures, signature == "per-id" and own or signature)
    end
  end
  listing:close()
  if args[9] == "newest" then
    local reversed, reversed_signatures = {}, {}
    for i = #ids, 1, -1 do
      table.insert(reversed, ids[i])
      table.insert(reversed_signatures, signatures[i])
    end
    ids, signatures = reversed, reversed_signatures
  end
  local k = index or 0  -- set by setup(), which wrk runs just before each thread's init
  local n = tonumber(args[4] or "2")
  for i = 1, #ids do
    if (i - 1) % n == k then
      local headers = {["X-AUTH-CLIENT"] = api_key, ["X-HMAC-SIGNATURE"] = signatures[i]}
      if body ~= "" then
        headers["Content-Type"] = "application/json"
      end
      table.insert(requests, wrk.format(method, "/v1/sessions/" .. ids[i] .. suffix, headers, body ~= "" and body or nil))
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
  responses = responses + 1
  if status ~= expected then
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
