-- POST /auth/token/login/ with a wrong password for one account, over and over, from one address: the
-- attack throttling must make cheap. Counts the 429 answers for done().
-- args: <username>
local body
local headers = { ["Content-Type"] = "application/json" }
throttled = 0 -- a global, so that done() can read it from this thread's state

function init(args)
  body = '{"username":"' .. args[1] .. '","password":"not-the-password"}'
end

function request()
  return wrk.format("POST", "/auth/token/login/", headers, body)
end

function response(status)
  if status == 429 then
    throttled = throttled + 1
  end
end
