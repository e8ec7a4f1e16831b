-- POST /auth/users/ with a fresh username per request: <tag>t<thread>n<seq>, unique across runs because
-- bench/cmd/bench gives every wrk invocation its own tag.
-- args: <tag> <password>
local tag, password
local seq = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  tag, password = args[1], args[2]
end

function request()
  seq = seq + 1
  local u = tag .. "t" .. (tid or 0) .. "n" .. seq
  local body = '{"username":"' .. u .. '","email":"' .. u .. '@example.com","password":"' .. password .. '"}'
  return wrk.format("POST", "/auth/users/", headers, body)
end
