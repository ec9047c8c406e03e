-- wrk script: POST distinct pre-signed entries to /api/v1/log/entries (every entry at most once,
-- so no 409s). Entries come from the file in $VOUCH_ENTRIES (one JSON per line, written by
-- `loadgen --write_entries FILE`), starting at line $VOUCH_OFFSET (default 0); thread t of T takes
-- lines offset + t, offset + t + T, ... Counts non-201 answers.
local entries = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path = os.getenv("VOUCH_ENTRIES")
  local offset = tonumber(os.getenv("VOUCH_OFFSET") or "0")
  local f = assert(io.open(path, "r"))
  local i = 0
  for line in f:lines() do
    if i >= offset and (i - offset) % counter_total() == id then
      entries[#entries + 1] = line
    end
    i = i + 1
  end
  f:close()
  next_entry = 1
  non201 = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function counter_total()
  return tonumber(os.getenv("VOUCH_THREADS") or "2")
end

function request()
  local body = entries[next_entry]
  if body == nil then
    body = entries[#entries]  -- ran out: repeats answer 409 and are counted as such
  end
  next_entry = next_entry + 1
  return wrk.format(nil, "/api/v1/log/entries", nil, body)
end

function response(status, headers, body)
  if status ~= 201 then non201 = non201 + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non201") end
  io.write(string.format("non201 %d\n", bad))
  io.write(string.format("p50_ms %.2f p99_ms %.2f\n", latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000))
end
