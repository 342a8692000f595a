-- wrk script: the integrator's two calls, alternating on every connection.
-- Odd requests create a verification (POST /v1/verifications, API key); even ones poll the one
-- this connection created last (GET /v1/verifications/{id}). MODE=create or MODE=poll runs only
-- one of the two (poll needs IDS_FILE, one verification id a line).
local api_key = os.getenv("IDVERIFY_API_KEY")
local mode = os.getenv("MODE") or "mixed"
local ids = {}
local n = 0
local last

init = function(args)
  local f = os.getenv("IDS_FILE")
  if f then
    for line in io.lines(f) do ids[#ids + 1] = line end
  end
end

local function create()
  return wrk.format("POST", "/v1/verifications",
    { ["Authorization"] = "Bearer " .. api_key, ["Content-Type"] = "application/json" }, "{}")
end

local function poll(id)
  return wrk.format("GET", "/v1/verifications/" .. id, { ["Authorization"] = "Bearer " .. api_key })
end

request = function()
  n = n + 1
  if mode == "create" then return create() end
  if mode == "poll" then return poll(ids[(n % #ids) + 1]) end
  if n % 2 == 1 or last == nil then return create() end
  return poll(last)
end

response = function(status, headers, body)
  if status == 201 then
    last = body:match('"id"%s*:%s*"([^"]+)"') or last
  end
end
