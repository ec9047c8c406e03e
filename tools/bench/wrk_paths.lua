-- wrk script: GET paths picked at random from the file in $VOUCH_PATHS (one path a line), e.g.
-- every tile and entry bundle of a log, or /api/v1/log/entries?logIndex=N for N in the log.
-- Counts answers other than 200.
local paths = {}

function init(args)
  local f = assert(io.open(os.getenv("VOUCH_PATHS"), "r"))
  for line in f:lines() do paths[#paths + 1] = line end
  f:close()
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  not200 = 0
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function response(status, headers, body)
  if status ~= 200 then not200 = not200 + 1 end
end

function done(summary, latency, requests)
  io.write(string.format("p99_ms %.2f\n", latency:percentile(99) / 1000))
end
