-- What the phone system reports about agents' phones (FreeSWITCH events).
-- ARGV[6] verb, ARGV[7] agent, ARGV[8..] verb arguments.
-- Each fact (a channel, a registration, an agent's status) remembers the
-- order of the event that last changed it ("core;seq;ts"); an older event
-- is ignored, so events handled out of order never overwrite newer state.
local verb, id = ARGV[6], ARGV[7]
local k = akey(id)
local CALLS = P .. 'pcalls:' .. id -- answered channels, scored by when they are considered lost
local REGS = P .. 'pregs:' .. id   -- registration id -> "state;node;core;seq;ts"
local function chkey(ch) return P .. 'pchan:' .. ch end

-- seq and ts are compared as numbers but stored as given: Lua would print
-- a microsecond timestamp in exponent form.
local function newer(core, seq, ts, old)
  seq, ts = tonumber(seq), tonumber(ts)
  if not old or old == '' then return true end
  local oc, os, ot = string.match(old, '^(.-);(%d+);(%d+)$')
  if not oc then return true end
  if core ~= '' and oc == core then return seq > tonumber(os) end
  return ts >= tonumber(ot)
end

-- settle derives the agent's direct call and reachability from the channels
-- and registrations, and re-indexes and audits when either changed.
local function settle(h)
  redis.call('ZREMRANGEBYSCORE', CALLS, '-inf', NOW)
  local direct = ''
  if h.direct ~= '' and redis.call('ZSCORE', CALLS, h.direct) then
    direct = h.direct
  else
    local first = redis.call('ZRANGE', CALLS, 0, 0)
    direct = first[1] or ''
  end
  local unreach = h.unreach
  if redis.call('HGET', k, 'ptrack') == '1' then
    unreach = '1'
    for _, v in ipairs(redis.call('HVALS', REGS)) do
      if string.sub(v, 1, 1) == '1' then unreach = '' break end
    end
  end
  local changed = 0
  if direct ~= h.direct then
    if direct == '' then
      redis.call('HDEL', k, 'direct')
      redis.call('HSET', k, 'idle', NOW)
      h.idle = NOW
      audit(id, h.direct, 'direct-call', 'end')
    else
      redis.call('HSET', k, 'direct', direct)
      audit(id, direct, 'direct-call', h.direct == '' and 'start' or 'next')
    end
    h.direct = direct
    changed = 1
  end
  if unreach ~= h.unreach then
    if unreach == '1' then redis.call('HSET', k, 'unreach', '1') else redis.call('HDEL', k, 'unreach') end
    audit(id, '', 'phone', unreach == '1' and 'unreachable' or 'reachable')
    h.unreach = unreach
    changed = 1
  end
  if changed == 1 then reindex(id, h) end
  return changed
end

-- prune drops ended registrations older than an hour (their order no longer matters).
local function prune()
  local all = redis.call('HGETALL', REGS)
  for i = 1, #all, 2 do
    local st, ts = string.match(all[i + 1], '^(%d);.-;.-;%d+;(%d+)$')
    if st == '0' and tonumber(ts) / 1000 < NOW - 3600000 then redis.call('HDEL', REGS, all[i]) end
  end
end

local h = load(id)
if verb == 'call' then
  -- ARGV[8] channel, [9] up, [10] node, [11] core, [12] seq, [13] ts, [14] tombstone ms, [15] longest call ms
  local ch, up, node, core, seq, ts = ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13]
  local ck = chkey(ch)
  local c = redis.call('HMGET', ck, 'ord', 'up')
  if not newer(core, seq, ts, c[1]) then return 0 end
  redis.call('HSET', ck, 'agent', id, 'node', node, 'up', up, 'ord', core .. ';' .. seq .. ';' .. ts)
  if up == '1' then
    redis.call('ZADD', CALLS, NOW + tonumber(ARGV[15]), ch)
    redis.call('PEXPIRE', ck, tonumber(ARGV[15]))
  else
    redis.call('ZREM', CALLS, ch)
    redis.call('PEXPIRE', ck, tonumber(ARGV[14]))
  end
  return settle(h)
elseif verb == 'reg' then
  -- ARGV[8] registration id, [9] registered, [10] node, [11] core, [12] seq, [13] ts
  local reg, up, node, core, seq, ts = ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13]
  local old = redis.call('HGET', REGS, reg)
  if old and not newer(core, seq, ts, string.match(old, '^%d;.-;(.*)$')) then return 0 end
  redis.call('HSET', REGS, reg, up .. ';' .. node .. ';' .. core .. ';' .. seq .. ';' .. ts)
  redis.call('HSET', k, 'ptrack', '1')
  prune()
  return settle(h)
elseif verb == 'order' then
  -- ARGV[8] core, [9] seq, [10] ts: records the order of a status event; 1 when it is the newest.
  local core, seq, ts = ARGV[8], ARGV[9], ARGV[10]
  if not newer(core, seq, ts, redis.call('HGET', k, 'pord')) then return 0 end
  redis.call('HSET', k, 'pord', core .. ';' .. seq .. ';' .. ts)
  return 1
elseif verb == 'resync' then
  -- ARGV[8] node, [9] tracked, [10] longest call ms, [11] n channels, then channels, then registration ids.
  local node, tracked, maxcall, n = ARGV[8], ARGV[9], tonumber(ARGV[10]), tonumber(ARGV[11])
  local chans, regs = {}, {}
  for i = 12, 11 + n do chans[ARGV[i]] = true end
  for i = 12 + n, #ARGV do regs[ARGV[i]] = true end
  for _, ch in ipairs(redis.call('ZRANGE', CALLS, 0, -1)) do
    local cn = redis.call('HGET', chkey(ch), 'node')
    if (not cn or cn == node) and not chans[ch] then
      redis.call('ZREM', CALLS, ch)
      redis.call('DEL', chkey(ch))
    end
  end
  for ch in pairs(chans) do
    redis.call('ZADD', CALLS, NOW + maxcall, ch)
    redis.call('HSET', chkey(ch), 'agent', id, 'node', node, 'up', '1')
    redis.call('PEXPIRE', chkey(ch), maxcall)
  end
  if tracked == '1' then
    redis.call('HSET', k, 'ptrack', '1')
    local all = redis.call('HGETALL', REGS)
    for i = 1, #all, 2 do
      local rn = string.match(all[i + 1], '^%d;(.-);')
      if rn == node and not regs[all[i]] then redis.call('HDEL', REGS, all[i]) end
    end
    for reg in pairs(regs) do
      local old = redis.call('HGET', REGS, reg)
      if not old or string.sub(old, 1, 1) ~= '1' then
        redis.call('HSET', REGS, reg, '1;' .. node .. ';;0;0')
      end
    end
  end
  return settle(h)
end
return redis.error_reply('unknown verb ' .. tostring(verb))
