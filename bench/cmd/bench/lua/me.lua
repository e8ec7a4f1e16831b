-- GET /auth/users/me/ with "Authorization: <scheme> <credential>", a random credential per request.
-- args: <file of credentials> <scheme: Token | Bearer>
local creds, n, scheme

function init(args)
  creds, n = read_lines(args[1])
  scheme = args[2] or "Token"
  seed()
end

function request()
  return wrk.format("GET", "/auth/users/me/", { ["Authorization"] = scheme .. " " .. creds[math.random(n)] })
end
