-- ARGV[6] call, ARGV[7] agent, ARGV[8] "1" to mark tried, ARGV[9] call record
-- ttl (ms), ARGV[10] dial status, ARGV[11] unanswered rings in a row that
-- set the agent away (0 never). Returns 1 when a claim was dropped.
local call, id = ARGV[6], ARGV[7]
local changed = 0
local h = load(id)
if h.claim == call then
  drop_claim(id, h)
  reindex(id, h)
  audit(id, call, 'unclaim', ARGV[10])
  changed = 1
  -- A rejection by routing's own checks (not tried) wakes nobody: the
  -- waiting callers would only claim the same agent again.
  if ARGV[8] == '1' then wake(h.loops) end
end
local maxna = tonumber(ARGV[11] or '0')
if ARGV[10] == 'NOANSWER' and maxna > 0 then
  local n = redis.call('HINCRBY', akey(id), 'noans', 1)
  if n >= maxna and h.status == 'available' then
    redis.call('HSET', akey(id), 'status', 'away', 'status_reason', 'no answer', 'status_at', NOW, 'status_by', 'sentralbord', 'noans', 0)
    h.status = 'away'
    reindex(id, h)
    audit(id, call, 'status', 'away (no answer ' .. n .. ' times in a row)')
  end
elseif ARGV[10] == 'BUSY' or ARGV[10] == 'CHANUNAVAIL' or ARGV[10] == 'CONGESTION' then
  -- The phone said no at once: not a missed call.
  redis.call('HSET', akey(id), 'noans', 0)
end
if ARGV[8] == '1' then
  redis.call('SADD', tkey(call), id)
  redis.call('PEXPIRE', tkey(call), tonumber(ARGV[9]))
end
if redis.call('HGET', ckey(call), 'agent') == id and redis.call('HGET', ckey(call), 'state') == 'claimed' then
  redis.call('HDEL', ckey(call), 'agent')
  redis.call('HSET', ckey(call), 'state', 'open')
end
return changed
