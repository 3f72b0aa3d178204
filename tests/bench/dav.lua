-- wrk script for tests/bench/dav.sh: one WebDAV request kind per run, and a
-- check of every response's status.
--
--   wrk -t1 -c16 -d5s -s dav.lua http://127.0.0.1:PORT/ -- MODE BASE ARG [ARG2]
--
-- BASE is "http://127.0.0.1:PORT" (for MOVE's absolute Destination).
-- MODE and its arguments:
--   propfind1 PATH        PROPFIND Depth: 1 with PROPBODY below        expects 207
--   propfind1all PATH     PROPFIND Depth: 1 with <allprop/>            expects 207
--   propfind0 PATH        PROPFIND Depth: 0 with PROPBODY below        expects 207
--   propfind0all PATH     PROPFIND Depth: 0 with <allprop/>            expects 207
--   get PATH              GET                                          expects 200
--   putover PATH          PUT of 4 KiB onto the same existing name     expects 200 or 204
--   putnew DIR            PUT of 4 KiB to DIR/n<thread>-<counter>: a new name every
--                         request (DIR must be new for each run)       expects 201
--   move DIR SLOTS        ping-pong MOVE: DIR holds SLOTS files m<i>.a; request k moves
--                         slot i = k mod SLOTS from m<i>.a to m<i>.b, or back when it was
--                         moved before (one state per slot, per thread: use -t1).
--                         A slot is used again only SLOTS requests later, long after its
--                         previous MOVE finished (at most -c requests are in flight), so
--                         the source always exists and the destination never does
--                         (unless one request is delayed past SLOTS others);
--                         a lost or failed MOVE shows up as 404s on that slot.
--                         expects 201, or 204: nginx answers 204 to every successful
--                         MOVE (RFC 4918 wants 201 for a new destination); a collision
--                         would overwrite and lose a file, and the slot's next MOVE 404s
--
-- Every response whose status is not the expected one is counted; done() prints
--   DAVCHECK total=N bad=M codes=STATUS:COUNT,...
-- which dav.sh parses (a server that answers 4xx fast must not look fast).

local PROPBODY = '<?xml version="1.0" encoding="utf-8"?>\n'
  .. '<D:propfind xmlns:D="DAV:"><D:prop>'
  .. '<D:getetag/><D:getcontentlength/><D:getlastmodified/><D:resourcetype/>'
  .. '</D:prop></D:propfind>\n'
local ALLPROPBODY = '<?xml version="1.0" encoding="utf-8"?>\n'
  .. '<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>\n'
local PUTBODY = string.rep("0123456789abcdef", 256)   -- 4096 bytes

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

local mode, base, arg1, arg2
local fixed            -- the request, when it is the same every time
local expected = {}
local counter = 0
local slots, moved     -- move: slot count, slot -> true when the file is at m<i>.b
total = 0
bad = 0
codes = {}

function init(args)
  mode, base, arg1, arg2 = args[1], args[2], args[3], args[4]
  if mode:match("^propfind[01]") then
    fixed = wrk.format("PROPFIND", arg1, {
      ["Depth"] = mode:sub(9, 9),
      ["Content-Type"] = 'application/xml; charset="utf-8"',
    }, mode:match("all$") and ALLPROPBODY or PROPBODY)
    expected = { [207] = true }
  elseif mode == "get" then
    fixed = wrk.format("GET", arg1)
    expected = { [200] = true }
  elseif mode == "putover" then
    fixed = wrk.format("PUT", arg1, { ["Content-Type"] = "application/octet-stream" }, PUTBODY)
    expected = { [200] = true, [204] = true }
  elseif mode == "putnew" then
    expected = { [201] = true }
  elseif mode == "move" then
    slots = tonumber(arg2)
    moved = {}
    expected = { [201] = true, [204] = true }
  else
    error("dav.lua: unknown mode " .. tostring(mode))
  end
end

local verified = false

function request()
  if fixed then
    return fixed
  end
  -- wrk calls request() once on the first thread before the run to check the
  -- request (script_verify_request) and throws that request away: it must not
  -- advance a name counter or toggle a MOVE slot.
  if id == 1 and not verified then
    verified = true
    return wrk.format("OPTIONS", "/")
  end
  counter = counter + 1
  if mode == "putnew" then
    return wrk.format("PUT", string.format("%s/n%d-%d", arg1, id, counter),
      { ["Content-Type"] = "application/octet-stream" }, PUTBODY)
  end
  -- move
  local i = counter % slots
  local a = string.format("%s/m%d.a", arg1, i)
  local b = string.format("%s/m%d.b", arg1, i)
  local from, to = a, b
  if moved[i] then
    from, to = b, a
  end
  moved[i] = not moved[i]
  return wrk.format("MOVE", from, { ["Destination"] = base .. to })
end

-- With DAV_LUA_STATUS_ONLY=1 (dav.sh sets it for the GET row) there is no response()
-- function: wrk then hands no response to Lua, which otherwise caps it near 95,000
-- responses/s whatever the server. wrk itself still counts every status outside 2xx and
-- 3xx (summary.errors.status), and dav.sh has checked the body byte for byte before.
local STATUS_ONLY = os.getenv("DAV_LUA_STATUS_ONLY") == "1"

if not STATUS_ONLY then
  function response(status, headers, body)
    total = total + 1
    if not expected[status] then
      bad = bad + 1
      codes[status] = (codes[status] or 0) + 1
    end
  end
end

function done(summary, latency, requests)
  if STATUS_ONLY then
    io.write(string.format("DAVCHECK total=%d bad=%d codes=%s\n", summary.requests,
      summary.errors.status, summary.errors.status > 0 and "not-2xx-3xx" or "-"))
    return
  end
  local t, b, all = 0, 0, {}
  for _, thread in ipairs(threads) do
    t = t + (thread:get("total") or 0)
    b = b + (thread:get("bad") or 0)
    local c = thread:get("codes") or {}
    for k, v in pairs(c) do
      all[k] = (all[k] or 0) + v
    end
  end
  local parts = {}
  for k, v in pairs(all) do
    table.insert(parts, string.format("%s:%d", tostring(k), v))
  end
  table.sort(parts)
  io.write(string.format("DAVCHECK total=%d bad=%d codes=%s\n", t, b,
    (#parts > 0) and table.concat(parts, ",") or "-"))
end
