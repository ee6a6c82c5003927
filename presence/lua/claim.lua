-- ARGV[6] call, ARGV[7] loop, ARGV[8] claim ttl (ms), ARGV[9] wrap-up (ms),
-- ARGV[10] call record ttl (ms), ARGV[11] "1" to join the loop's waiting
-- line when nobody is free, ARGV[12] waiting lease (ms), ARGV[13] arrival
-- (ms) to keep when the call moves here from another loop ("" = now),
-- ARGV[14] a hash of this namespace to read along ("" = none), ARGV[15..]
-- agents to exclude.
-- Returns {agent, expiry} on a claim, {"", position, arrival} when the call
-- waits in line, nil when nobody is free and the call does not wait; with
-- ARGV[14] set, {that reply (false for nil), the hash's HGETALL}.
--
-- Fairness: an agent goes to the longest-waiting caller among all the loops
-- the agent serves. A caller may take agent A only if no live caller in any
-- of A's loops arrived before it; a new call never jumps the line.
local function claim()
  local call, loop = ARGV[6], ARGV[7]
  local ttl, wrap, cttl = tonumber(ARGV[8]), ARGV[9], tonumber(ARGV[10])
  local enqueue, lease = ARGV[11] == '1', tonumber(ARGV[12])
  -- Expired claims, calls and waiting places are reaped by each service
  -- instance once a second (Store.Reap), not here: every call would pay for it.
  local c = redis.call('HMGET', ckey(call), 'agent', 'state', 'arrival')
  if c[2] == 'answered' then
    return redis.error_reply('call ' .. call .. ' is already answered')
  end
  if c[1] then
    -- The dialplan asked again without reporting the last dial: that agent was tried.
    local h = load(c[1])
    if h.claim == call then
      drop_claim(c[1], h)
      reindex(c[1], h)
      audit(c[1], call, 'unclaim', 'no dial result')
    end
    redis.call('SADD', tkey(call), c[1])
    redis.call('HDEL', ckey(call), 'agent')
  end
  local skip = {}
  for i = 15, #ARGV do skip[ARGV[i]] = true end
  -- A call's first request has no record yet: no agents tried, no place in line.
  if c[1] or c[2] then
    for _, id in ipairs(redis.call('SMEMBERS', tkey(call))) do skip[id] = true end
  end

  local mine = nil
  if c[2] == 'waiting' then mine = redis.call('ZSCORE', wkey(loop), call) end
  local arrival = NOW
  if mine then
    arrival = tonumber(mine)
  elseif ARGV[13] ~= '' then
    arrival = tonumber(ARGV[13])
  elseif c[3] then
    -- Back after an agent did not answer: the caller keeps their place.
    arrival = tonumber(c[3])
  end

  -- came_first: the waiting caller other (arrived at score sc) is ahead
  -- of this call in line order (score, then name, as the line sorts).
  local function came_first(other, sc)
    sc = tonumber(sc)
    return sc < arrival or (sc == arrival and other < call)
  end

  -- ahead: in loop l a live caller other than this one, who has not already
  -- rung agent id, came first. Only the first few of each line are looked at.
  local function ahead(l, id)
    local hd = redis.call('ZRANGE', wkey(l), 0, 7, 'WITHSCORES')
    for i = 1, #hd, 2 do
      if hd[i] ~= call and redis.call('SISMEMBER', tkey(hd[i]), id) == 0 then
        return came_first(hd[i], hd[i + 1])
      end
    end
    return false
  end

  local function someone_ahead(id, h)
    for _, l in ipairs(split(h.loops)) do
      if ahead(l, id) then return true end
    end
    return false
  end

  -- line_blocks_all: a live caller in this loop's line came first and has
  -- rung nobody, so ahead() holds for every agent of the loop and none can
  -- be claimed; the ready set is not walked. Without this, a call behind
  -- such a caller looked at every ready agent of the loop (with its load
  -- and the line's head) before joining the line: O(agents) when calls
  -- wait while agents come free, as under overload.
  local function line_blocks_all()
    local hd = redis.call('ZRANGE', wkey(loop), 0, 7, 'WITHSCORES')
    for i = 1, #hd, 2 do
      if hd[i] ~= call then
        if not came_first(hd[i], hd[i + 1]) then return false end
        if redis.call('EXISTS', tkey(hd[i])) == 0 then return true end
      end
    end
    return false
  end

  local rk = rkey(loop)
  local offset, batch = 0, 32
  local blocked = line_blocks_all()
  while not blocked do
    local ids = redis.call('ZRANGE', rk, offset, offset + batch - 1)
    if #ids == 0 then break end
    for _, id in ipairs(ids) do
      if not skip[id] then
        local h = load(id)
        if not ready(h) then
          reindex(id, h) -- a stale index entry: repair it
        elseif h.wrap <= NOW and not someone_ahead(id, h) then
          local exp = NOW + ttl
          redis.call('HSET', akey(id), 'claim', call, 'claim_exp', exp)
          redis.call('ZADD', CLAIMS, exp, id)
          h.claim = call
          reindex(id, h)
          if mine then unwait(loop, call) end
          redis.call('HSET', ckey(call), 'agent', id, 'loop', loop, 'state', 'claimed', 'wrap', wrap)
          redis.call('PEXPIRE', ckey(call), cttl)
          audit(id, call, 'claim', loop)
          return {id, tostring(exp)}
        end
      end
    end
    offset = offset + batch
  end
  if not enqueue and not mine then return nil end
  if not mine then
    redis.call('ZADD', wkey(loop), arrival, call)
    redis.call('HSET', ckey(call), 'loop', loop, 'state', 'waiting', 'arrival', arrival, 'wrap', wrap)
    redis.call('PEXPIRE', ckey(call), cttl)
    audit('', call, 'queued', loop)
  end
  redis.call('ZADD', LEASES, NOW + lease, loop .. ' ' .. call)
  return {'', tostring(redis.call('ZRANK', wkey(loop), call) + 1), tostring(arrival)}
end

-- The caller's lookup rides along: the route needs it with the claim, and
-- in the same script it costs Redis no request of its own.
local READ = ARGV[14]
if READ == '' then return claim() end
if string.sub(READ, 1, #P) ~= P then
  return redis.error_reply('read key ' .. READ .. ' is outside ' .. P)
end
local r = claim()
if type(r) == 'table' and r.err then return r end
return {r or false, redis.call('HGETALL', READ)}
