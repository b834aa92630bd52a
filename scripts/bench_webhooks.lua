-- Replays pre-signed Twilio status callbacks (one per line: path \t form body \t signature), each once,
-- spreading them over wrk's threads so no request repeats while the list lasts.
local requests = {}
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  for line in io.lines(path) do
    local p, body, signature = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)")
    table.insert(requests, wrk.format("POST", p, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Twilio-Signature"] = signature,
    }, body))
  end
  stride = tonumber(args[2]) or 1
  counter = id
end

function request()
  local r = requests[(counter % #requests) + 1]
  counter = counter + stride
  return r
end
