-- W2: GET /api/v1/payments?limit=50 with a random bench tenant's treasurer
-- bearer token per request. Every response is checked: status 200, exactly
-- 50 payments, every payer named "Member <n> of <slug>" with one and the
-- same slug, a slug of the data set, and created_at strictly decreasing
-- (newest first; the API writes it at a fixed width, so strings compare as
-- times). wrk does not say which request a response answers (connections
-- interleave), so the tenant is checked for consistency here and exactly
-- by the test contributions_bench::the_w2_request_answers_as_the_harness_expects.
-- Tokens come from the file named by W2_TOKENS (host<TAB>access token),
-- made by run.sh.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  targets = {}
  slugs = {}
  for line in io.lines(os.getenv("W2_TOKENS")) do
    local host, token = line:match("^([^\t]+)\t([^\t]+)$")
    if host then
      local slug = host:match("^([^.]+)")
      targets[#targets + 1] = { host = host, auth = "Bearer " .. token }
      slugs[slug] = true
    end
  end
  checked, bad_status, bad_body, bytes = 0, 0, 0, 0
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16))
end

function request()
  local target = targets[math.random(#targets)]
  return wrk.format("GET", "/api/v1/payments?limit=50", { Host = target.host, Authorization = target.auth })
end

local function check(body)
  local count, previous, slug = 0, nil, nil
  for name, created in body:gmatch('"payer_name":"([^"]*)".-"created_at":"([^"]*)"') do
    local of = name:match("^Member %d+ of (bench%-%d+)$")
    if not of or not slugs[of] or (slug and of ~= slug) then
      return false
    end
    slug = of
    if previous and created >= previous then
      return false
    end
    previous = created
    count = count + 1
  end
  return count == 50
end

function response(status, headers, body)
  checked = checked + 1
  bytes = bytes + #body
  if status ~= 200 then
    bad_status = bad_status + 1
    return
  end
  if not check(body) then
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
  io.write(string.format("W2-CHECKS checked=%d bad_status=%d bad_body=%d bytes=%d\n", c, s, b, n))
end
