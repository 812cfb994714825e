-- W1: GET / with a random bench tenant's Host per request. Every response is
-- checked: status 200, the tenant's name in <title>, that tenant's brand
-- colour, and exactly five announcements. Counts and body bytes are printed
-- at the end. Hosts come from the file named by W1_HOSTS
-- (host<TAB>name<TAB>colour).
--
-- With W1_ENCODING (gzip or br) the request accepts that encoding, as
-- browsers do; wrk cannot decode it, so the check is then that the response
-- is 200 and carries that Content-Encoding (the identity run checks the
-- content itself).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  hosts = {}
  colours = {}
  for line in io.lines(os.getenv("W1_HOSTS")) do
    local host, name, colour = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
    if host then
      hosts[#hosts + 1] = host
      colours[name] = colour
    end
  end
  encoding = os.getenv("W1_ENCODING")
  checked, bad_status, bad_body, bytes = 0, 0, 0, 0
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
end

function request()
  local headers = { ["Host"] = hosts[math.random(#hosts)] }
  if encoding then
    headers["Accept-Encoding"] = encoding
  end
  return wrk.format("GET", "/", headers)
end

-- Header names arrive as the server wrote them (hyper: lower case).
function header(headers, wanted)
  for name, value in pairs(headers) do
    if name:lower() == wanted then
      return value
    end
  end
end

function response(status, headers, body)
  checked = checked + 1
  bytes = bytes + #body
  if status ~= 200 then
    bad_status = bad_status + 1
    return
  end
  if encoding then
    if header(headers, "content-encoding") ~= encoding then
      bad_body = bad_body + 1
    end
    return
  end
  local name = body:match("<title>(.-)</title>")
  local colour = name and colours[name]
  local _, cards = body:gsub('<li class="card">', "")
  if not colour or not body:find(colour, 1, true) or cards ~= 5 then
    bad_body = bad_body + 1
  end
end

function done(summary, latency, requests)
  local c, s, b, n = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("checked")
    s = s + thread:get("bad_status")
    b = b + thread:get("bad_body")
    n = n + thread:get("bytes")
  end
  io.write(string.format("W1-CHECKS checked=%d bad_status=%d bad_body=%d bytes=%d\n", c, s, b, n))
end
