-- ARGV[6] call, ARGV[7] agent, ARGV[8] "1" to mark tried, ARGV[9] call record
-- ttl (ms), ARGV[10] detail (dial status). Returns 1 when a claim was dropped.
local call, id = ARGV[6], ARGV[7]
local changed = 0
local h = load(id)
if h.claim == call then
  drop_claim(id, h)
  reindex(id, h)
  audit(id, call, 'unclaim', ARGV[10])
  changed = 1
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
