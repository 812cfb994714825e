-- Click capture: GET /r/bench with a random bench tenant's Host per request.
-- Every response is checked: 303 to the portal's home page with the
-- referral cookie set. The redirects are counted, so that run.sh can compare
-- them with the clicks written once the server has stopped (W1_HOSTS names
-- the hosts file, as for W1).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  hosts = {}
  for line in io.lines(os.getenv("W1_HOSTS")) do
    local host = line:match("^([^\t]+)\t")
    if host then
      hosts[#hosts + 1] = host
    end
  end
  checked, bad_status, bad_body = 0, 0, 0
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
end

function request()
  return wrk.format("GET", "/r/bench", { ["Host"] = hosts[math.random(#hosts)] })
end

function header(headers, wanted)
  for name, value in pairs(headers) do
    if name:lower() == wanted then
      return value
    end
  end
end

function response(status, headers, body)
  checked = checked + 1
  if status ~= 303 then
    bad_status = bad_status + 1
    return
  end
  local cookie = header(headers, "set-cookie") or ""
  if header(headers, "location") ~= "/" or not cookie:find("ref=", 1, true) then
    bad_body = bad_body + 1
  end
end

function done(summary, latency, requests)
  local c, s, b = 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("checked")
    s = s + thread:get("bad_status")
    b = b + thread:get("bad_body")
  end
  io.write(string.format("W1-CHECKS checked=%d bad_status=%d bad_body=%d\n", c, s, b))
end
