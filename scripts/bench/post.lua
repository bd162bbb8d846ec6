-- wrk: POST the JSON body in $BENCH_BODY to the URL, as fast as possible.
-- With BENCH_COUNT set, also counts responses by status (costs a Lua call
-- per response, so it is used only where rates are low: logins).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BENCH_BODY") or "{}"

if os.getenv("BENCH_COUNT") then
  local threads = {}

  function setup(thread)
    table.insert(threads, thread)
  end

  function init(args)
    counts = {}
  end

  function response(status, headers, body)
    counts[status] = (counts[status] or 0) + 1
  end

  function done(summary, latency, requests)
    local total = {}
    for _, thread in ipairs(threads) do
      local c = thread:get("counts")
      for status, n in pairs(c) do
        total[status] = (total[status] or 0) + n
      end
    end
    local parts = {}
    for status, n in pairs(total) do
      parts[#parts + 1] = string.format("%d=%d", status, n)
    end
    table.sort(parts)
    io.write("STATUS " .. table.concat(parts, " ") .. "\n")
  end
end
