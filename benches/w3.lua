-- W3: sign-ins. POST /accounts/login/ as the bench member of a random
-- tenant, with that tenant's visitor cookie and CSRF token (collected by
-- run.sh from the sign-in page, one pair per tenant, in W3_LOGINS as
-- host<TAB>cookie<TAB>token). Every response is checked: 303 and a new
-- session cookie. Counts are printed at the end.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local function encode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  logins = {}
  for line in io.lines(os.getenv("W3_LOGINS")) do
    local host, cookie, token = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
    if host then
      logins[#logins + 1] = { host = host, cookie = cookie, token = token }
    end
  end
  credentials = "&email=" .. encode(os.getenv("W3_EMAIL")) .. "&password=" .. encode(os.getenv("W3_PASSWORD"))
  signed_in, refused = 0, 0
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
end

function request()
  local login = logins[math.random(#logins)]
  local headers = {
    Host = login.host,
    Cookie = login.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  return wrk.format("POST", "/accounts/login/", headers, "csrf_token=" .. encode(login.token) .. credentials)
end

function response(status, headers, body)
  local cookie = headers["Set-Cookie"] or headers["set-cookie"] or ""
  if status == 303 and cookie:find("session=") then
    signed_in = signed_in + 1
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("signed_in")
    bad = bad + thread:get("refused")
  end
  io.write(string.format("W3-CHECKS signed_in=%d refused=%d\n", ok, bad))
end
