-- What the phone system reports about agents' phones (FreeSWITCH events).
-- ARGV[6] verb: 'batch' (events) or 'resync' (what a node says after a
-- (re)connection). Each fact (a channel, a registration, an agent's status)
-- remembers the order of the event that last changed it ("core;seq;ts"); an
-- older event is ignored, so events handled out of order never overwrite
-- newer state.
local verb = ARGV[6]
-- A channel's record is a string "state;node;core;seq;ts", like a
-- registration's, so one SET with its expiry writes it.
local function chkey(ch) return P .. 'pch:' .. ch end
local function callsKey(id) return P .. 'pcalls:' .. id end -- answered channels, scored by when they are considered lost
local function regsKey(id) return P .. 'pregs:' .. id end   -- registration id -> "state;node;core;seq;ts"
local function orderOf(rec) return rec and string.match(rec, '^%d;.-;(.*)$') end
local function nodeOf(rec) return rec and string.match(rec, '^%d;(.-);') end

-- above compares two decimal numbers as written, without leading zeros:
-- as strings, with no conversion to floating point and back.
local function above(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end

-- seq and ts are stored as given: Lua would print a microsecond timestamp
-- in exponent form.
local function newer(core, seq, ts, old)
  if not old or old == '' then return true end
  local oc, os, ot = string.match(old, '^(.-);(%d+);(%d+)$')
  if not oc then return true end
  if core ~= '' and oc == core then return above(seq, os) end
  return not above(ot, ts)
end

-- settle records the agent's direct call and reachability as derived by
-- the caller, and re-indexes and audits when either changed. An agent it
-- makes ready again wakes the waiting callers of their loops.
local function settle(id, h, direct, unreach)
  local k = akey(id)
  local changed = 0
  -- One HSET for every field that changed; an empty field reads as unset.
  local set = {}
  if direct ~= h.direct then
    set[#set + 1], set[#set + 2] = 'direct', direct
    if direct == '' then
      set[#set + 1], set[#set + 2] = 'idle', NOW
      h.idle = NOW
      audit(id, h.direct, 'direct-call', 'end')
    else
      audit(id, direct, 'direct-call', h.direct == '' and 'start' or 'next')
    end
    h.direct = direct
    changed = 1
  end
  if unreach ~= h.unreach then
    set[#set + 1], set[#set + 2] = 'unreach', unreach
    audit(id, '', 'phone', unreach == '1' and 'unreachable' or 'reachable')
    h.unreach = unreach
    changed = 1
  end
  if changed == 1 then
    redis.call('HSET', k, unpack(set))
    reindex(id, h)
    if ready(h) then wake(h.loops) end
  end
  return changed
end

-- firstCall is the agent's answered channel that counts as its direct call
-- when the current one ended: the one answered first.
local function firstCall(id)
  return redis.call('ZRANGE', callsKey(id), 0, 0)[1] or ''
end

-- reachable reports whether any of regs (as HGETALL gives them) is live.
local function reachable(regs)
  for i = 2, #regs, 2 do
    if string.sub(regs[i], 1, 1) == '1' then return true end
  end
  return false
end

-- trackedRegs returns the registrations of an agent whose reachability a
-- node decides, after dropping ended ones older than an hour (their order
-- no longer matters).
local function trackedRegs(id)
  local REGS = regsKey(id)
  local all = redis.call('HGETALL', REGS)
  local live = {}
  for i = 1, #all, 2 do
    local st, ts = string.match(all[i + 1], '^(%d);.-;.-;%d+;(%d+)$')
    if st == '0' and tonumber(ts) / 1000 < NOW - 3600000 then
      redis.call('HDEL', REGS, all[i])
    else
      live[#live + 1], live[#live + 2] = all[i], all[i + 1]
    end
  end
  return live
end

-- call records a channel answered (up '1') or ended; false when stale.
-- lost is when an answered channel counts as lost (answer + longest call).
local function call(id, ch, up, node, core, seq, ts, tomb, maxcall, lost)
  local ck = chkey(ch)
  if not newer(core, seq, ts, orderOf(redis.call('GET', ck))) then return false end
  local ttl = tomb
  if up == '1' then
    ttl = maxcall
    redis.call('ZADD', callsKey(id), lost, ch)
  else
    redis.call('ZREM', callsKey(id), ch)
  end
  redis.call('SET', ck, up .. ';' .. node .. ';' .. core .. ';' .. seq .. ';' .. ts, 'PX', ttl)
  return true
end

-- reg records a registration made (up '1') or ended; false when stale.
local function reg(id, r, up, node, core, seq, ts)
  local REGS = regsKey(id)
  local old = redis.call('HGET', REGS, r)
  if old and not newer(core, seq, ts, orderOf(old)) then return false end
  redis.call('HSET', REGS, r, up .. ';' .. node .. ';' .. core .. ';' .. seq .. ';' .. ts)
  return true
end

-- status applies a phone's status, login or logout through the agent verbs.
-- An agent already logged out keeps the reason a supervisor gave.
local function status(id, h, logout, login, st)
  local changed = 0
  if logout ~= '' and h.login ~= '0' then changed = math.max(changed, verb_logout(id, h, logout, '')) end
  if login == '1' then changed = math.max(changed, verb_login(id, h)) end
  if st ~= '' then changed = math.max(changed, verb_status(id, h, st)) end
  return changed
end

if verb == 'batch' then
  -- ARGV[7] node, [8] tombstone ms, [9] longest call ms, then per agent: the
  -- agent, n, and n events of 7 fields: kind, a, b, c, core, seq, ts.
  --   'c' call: a channel, b up;  'r' registration: a id, b up;
  --   's' status: a logout reason, b login, c status (an event without
  --   order, core '' seq 0 ts 0, always applies).
  -- Events of a channel or registration come newest last; an agent's
  -- channels and registrations settle once, after all its events.
  local node, tomb, maxcall = ARGV[7], ARGV[8], ARGV[9]
  local lost = string.format('%d', NOW + tonumber(maxcall)) -- once, not for every channel
  local applied, stale, changed = 0, 0, 0
  local i = 10
  while i <= #ARGV do
    local id, n = ARGV[i], tonumber(ARGV[i + 1])
    i = i + 2
    local h = load(id)
    -- The direct call and reachability follow from the events: a channel
    -- answered when there was none becomes the direct call; the end of the
    -- direct call makes the first other one, if any, the next; a live
    -- registration makes the phone reachable, and only when registrations
    -- only ended are the others read. A call whose hangup never came is
    -- dropped by the next resynchronisation.
    local direct, ended, regs, up, agentChanged = h.direct, false, false, false, 0
    local pord, pordDirty = nil, false
    for _ = 1, n do
      local kind, a, b, c, core, seq, ts = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
      i = i + 7
      local ok
      if kind == 'c' then
        ok = call(id, a, b, node, core, seq, ts, tomb, maxcall, lost)
        if ok and b == '1' and direct == '' then
          direct = a
        elseif ok and b ~= '1' and a == direct then
          direct, ended = '', true
        end
      elseif kind == 'r' then
        ok = reg(id, a, b, node, core, seq, ts)
        regs, up = regs or ok, up or (ok and b == '1')
      else
        ok = core == '' and seq == '0' and ts == '0'
        if not ok then
          if pord == nil then pord = redis.call('HGET', akey(id), 'pord') or '' end
          ok = newer(core, seq, ts, pord)
          if ok then pord, pordDirty = core .. ';' .. seq .. ';' .. ts, true end
        end
        if ok then agentChanged = math.max(agentChanged, status(id, h, a, b, c)) end
      end
      if ok then applied = applied + 1 else stale = stale + 1 end
    end
    if pordDirty then redis.call('HSET', akey(id), 'pord', pord) end
    if ended and direct == '' then direct = firstCall(id) end
    local unreach = h.unreach
    if regs then
      redis.call('HSET', akey(id), 'ptrack', '1')
      if up or reachable(trackedRegs(id)) then unreach = '' else unreach = '1' end
    end
    agentChanged = math.max(agentChanged, settle(id, h, direct, unreach))
    changed = changed + agentChanged
  end
  return { applied, stale, changed }
elseif verb == 'resync' then
  -- ARGV[7] agent, [8] node, [9] tracked, [10] longest call ms, [11] n
  -- channels, then the channels, then the registration ids.
  local id, node, tracked, maxcall, n = ARGV[7], ARGV[8], ARGV[9], tonumber(ARGV[10]), tonumber(ARGV[11])
  local k, CALLS, REGS = akey(id), callsKey(id), regsKey(id)
  local h = load(id)
  local chans, regs = {}, {}
  for i = 12, 11 + n do chans[ARGV[i]] = true end
  for i = 12 + n, #ARGV do regs[ARGV[i]] = true end
  for _, ch in ipairs(redis.call('ZRANGE', CALLS, 0, -1)) do
    local cn = nodeOf(redis.call('GET', chkey(ch)))
    if (not cn or cn == node) and not chans[ch] then
      redis.call('ZREM', CALLS, ch)
      redis.call('DEL', chkey(ch))
    end
  end
  for ch in pairs(chans) do
    redis.call('ZADD', CALLS, NOW + maxcall, ch)
    redis.call('SET', chkey(ch), '1;' .. node .. ';;0;0', 'PX', maxcall)
  end
  local unreach = h.unreach
  if tracked == '1' or redis.call('HGET', k, 'ptrack') == '1' then
    if tracked == '1' then
      redis.call('HSET', k, 'ptrack', '1')
      local all = redis.call('HGETALL', REGS)
      for i = 1, #all, 2 do
        if nodeOf(all[i + 1]) == node and not regs[all[i]] then redis.call('HDEL', REGS, all[i]) end
      end
      for r in pairs(regs) do
        local old = redis.call('HGET', REGS, r)
        if not old or string.sub(old, 1, 1) ~= '1' then
          redis.call('HSET', REGS, r, '1;' .. node .. ';;0;0')
        end
      end
    end
    if reachable(redis.call('HGETALL', REGS)) then unreach = '' else unreach = '1' end
  end
  -- Calls whose hangup never came and that outlived the longest call end here.
  redis.call('ZREMRANGEBYSCORE', CALLS, '-inf', NOW)
  local direct = h.direct
  if direct == '' or not redis.call('ZSCORE', CALLS, direct) then direct = firstCall(id) end
  return settle(id, h, direct, unreach)
end
return redis.error_reply('unknown verb ' .. tostring(verb))
