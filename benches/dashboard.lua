-- Dashboard: GET /dashboard/ as the treasurer of a random bench tenant (a
-- private page, never cached: every request computes the treasurer's
-- default layout, 11 widgets). Sessions come from the file named by
-- DASH_SESSIONS (host<TAB>session cookie), made by run.sh by signing in
-- once per tenant. Every response is checked: status 200, the collected
-- figure's widget, an SVG chart and a table.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  targets = {}
  for line in io.lines(os.getenv("DASH_SESSIONS")) do
    local host, cookie = line:match("^([^\t]+)\t([^\t]+)$")
    if host then
      targets[#targets + 1] = { host = host, cookie = cookie }
    end
  end
  checked, bad_status, bad_body, bytes = 0, 0, 0, 0
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
end

function request()
  local target = targets[math.random(#targets)]
  return wrk.format("GET", "/dashboard/", { Host = target.host, Cookie = target.cookie })
end

function response(status, headers, body)
  checked = checked + 1
  bytes = bytes + #body
  if status ~= 200 then
    bad_status = bad_status + 1
    return
  end
  if not (body:find('data-widget="collected"', 1, true) and body:find("<svg", 1, true)
          and body:find("<table", 1, true)) then
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
  io.write(string.format("DASH-CHECKS checked=%d bad_status=%d bad_body=%d bytes=%d\n", c, s, b, n))
end
