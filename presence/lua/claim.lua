-- ARGV[6] call, ARGV[7] loop, ARGV[8] claim ttl (ms), ARGV[9] wrap-up (ms),
-- ARGV[10] call record ttl (ms), ARGV[11..] agents to exclude.
-- Returns {agent, expiry} or nil when nobody is eligible.
reap(16)
local call, loop = ARGV[6], ARGV[7]
local ttl, wrap, cttl = tonumber(ARGV[8]), ARGV[9], tonumber(ARGV[10])
local c = redis.call('HMGET', ckey(call), 'agent', 'state')
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
end
local skip = {}
for i = 11, #ARGV do skip[ARGV[i]] = true end
for _, id in ipairs(redis.call('SMEMBERS', tkey(call))) do skip[id] = true end

local rk = rkey(loop)
local offset, batch = 0, 32
while true do
  local ids = redis.call('ZRANGE', rk, offset, offset + batch - 1)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    if not skip[id] then
      local h = load(id)
      if not ready(h) then
        reindex(id, h) -- a stale index entry: repair it
      elseif h.wrap <= NOW then
        local exp = NOW + ttl
        redis.call('HSET', akey(id), 'claim', call, 'claim_exp', exp)
        redis.call('ZADD', CLAIMS, exp, id)
        h.claim = call
        reindex(id, h)
        redis.call('HSET', ckey(call), 'agent', id, 'loop', loop, 'state', 'claimed', 'wrap', wrap)
        redis.call('PEXPIRE', ckey(call), cttl)
        audit(id, call, 'claim', loop)
        return {id, tostring(exp)}
      end
    end
  end
  offset = offset + batch
end
return nil
