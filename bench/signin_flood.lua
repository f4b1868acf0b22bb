-- signin_flood.lua — wrk script for bench/run_signin: wrong sign-ins for unknown names (each costs an Argon2 run
-- unless throttled). With SPREAD=1 each request claims its own client address in X-Forwarded-For (the server runs
-- with --trust-proxy), so the per-address throttle does not stop them: the worst case for the Argon2 bound.
local spread = os.getenv("SPREAD") == "1"
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

request = function()
  local n = math.random(1, 2000000000)
  local headers = { ["Content-Type"] = "application/json" }
  if spread then
    headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
                                               math.random(1, 254))
  end
  return wrk.format("POST", "/api/v1/session", headers,
                    string.format('{"username":"flood.%d","password":"wrong-password"}', n))
end
