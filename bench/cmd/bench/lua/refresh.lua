-- POST /auth/jwt/refresh/ with a random refresh token from a file, JSON body.
-- args: <file of refresh tokens>
local tokens, n
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  tokens, n = read_lines(args[1])
  seed()
end

function request()
  return wrk.format("POST", "/auth/jwt/refresh/", headers, '{"refresh":"' .. tokens[math.random(n)] .. '"}')
end
