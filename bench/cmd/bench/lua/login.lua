-- POST /auth/token/login/ as a random seeded user (<prefix>1 .. <prefix><n>), JSON body.
-- args: <username prefix> <n> <password>
local prefix, n, password
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  prefix, n, password = args[1], tonumber(args[2]), args[3]
  seed()
end

function request()
  local body = '{"username":"' .. prefix .. math.random(n) .. '","password":"' .. password .. '"}'
  return wrk.format("POST", "/auth/token/login/", headers, body)
end
