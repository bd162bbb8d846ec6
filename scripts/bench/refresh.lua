-- wrk: POST /api/token/refresh/ where every request rotates a live refresh
-- token and the refresh token each answer carries is the one used next.
--
-- wrk's Lua state is per thread, not per connection, so each thread keeps a
-- queue of live refresh tokens, one per connection it drives: request()
-- takes the oldest, response() puts the rotated one back. A connection has
-- at most one request in flight, so the queue is never empty unless a
-- rotation failed; each token is presented exactly once, and a chain ends
-- only on a non-200 (counted, with the statuses).
--
-- $REFRESH_TOKENS: a file with one initial refresh token per line (one per
-- connection, each from its own login). $BENCH_THREADS: wrk's -t.

local threads = {}
local all = nil
local index = 0

function setup(thread)
  if all == nil then
    all = {}
    for line in io.lines(os.getenv("REFRESH_TOKENS")) do
      if #line > 0 then all[#all + 1] = line end
    end
  end
  local n = tonumber(os.getenv("BENCH_THREADS") or "1")
  local mine = {}
  for i = index + 1, #all, n do mine[#mine + 1] = all[i] end
  thread:set("initial", table.concat(mine, ","))
  thread:set("thread_index", index)
  index = index + 1
  table.insert(threads, thread)
end

function init(args)
  queue, first, last = {}, 1, 0
  for token in string.gmatch(initial, "[^,]+") do
    last = last + 1
    queue[last] = token
  end
  ok, bad, starved, lost = 0, 0, 0, 0
  statuses = {}
  -- wrk 4.1 calls request() once on the first thread's state, after
  -- init(), to check the script; that request is never sent.
  checking = (thread_index == 0)
end

function request()
  local token
  if queue == nil or checking then
    checking = false
    token = "check"
  elseif first <= last then
    token = queue[first]
    queue[first] = nil
    first = first + 1
  else
    -- No live token left on this thread: send one that cannot match any
    -- family (a 401 that revokes nothing), and count it.
    token = "starved"
    starved = starved + 1
  end
  return wrk.format("POST", "/api/token/refresh/",
    {["Content-Type"] = "application/json"},
    '{"refresh":"' .. token .. '"}')
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 200 then
    local token = string.match(body, '"refresh"%s*:%s*"([^"]+)"')
    if token then
      ok = ok + 1
      last = last + 1
      queue[last] = token
    else
      lost = lost + 1
    end
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local t = {ok = 0, bad = 0, starved = 0, lost = 0}
  local st = {}
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + thread:get(k) end
    for status, n in pairs(thread:get("statuses")) do
      st[status] = (st[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(st) do parts[#parts + 1] = string.format("%d=%d", status, n) end
  table.sort(parts)
  io.write(string.format("REFRESH ok=%d bad=%d starved=%d lost=%d\n", t.ok, t.bad, t.starved, t.lost))
  io.write("STATUS " .. table.concat(parts, " ") .. "\n")
end
