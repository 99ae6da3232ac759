-- wrk script for bench/run.sh's sign-in cases: POST {base}/todo/_session, each request with the
-- next token of a file (one a line) as its bearer token, then report.lua's line and one more:
--   TOKENS used=<n>  the most tokens one thread took (thread t takes tokens FIRST+t, FIRST+t+THREADS...)
-- Arguments (after --): TOKENS_FILE FIRST THREADS, FIRST counting from 0. Past the file's end it
-- starts over. Loaded from the repository's root, as run.sh runs wrk there.
dofile("bench/http/report.lua")
local report = done

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do
    if line ~= "" then tokens[#tokens + 1] = line end
  end
  stride = tonumber(args[3])
  index = tonumber(args[2]) + id
  used = 0
end

function request()
  local token = tokens[index % #tokens + 1]
  index = index + stride
  used = used + 1
  return wrk.format("POST", nil, { ["Authorization"] = "Bearer " .. token, ["Content-Length"] = "0" })
end

done = function(summary, latency, requests)
  report(summary, latency, requests)
  local most = 0
  for _, thread in ipairs(threads) do
    most = math.max(most, thread:get("used"))
  end
  io.write(string.format("TOKENS used=%d\n", most))
end
