-- ARGV[6] call, ARGV[7] agent, ARGV[8] call record ttl (ms), ARGV[9] longest call (ms).
-- The phone was answered: whatever the claim says, the agent is on this call now.
local call, id = ARGV[6], ARGV[7]
local h = load(id)
if h.call == call then return 0 end
if h.claim ~= '' then drop_claim(id, h) end
redis.call('HSET', akey(id), 'call', call, 'call_at', NOW, 'noans', 0)
redis.call('ZADD', ONCALL, NOW + tonumber(ARGV[9]), id)
h.call = call
reindex(id, h)
redis.call('HSET', ckey(call), 'agent', id, 'state', 'answered')
redis.call('PEXPIRE', ckey(call), tonumber(ARGV[8]))
audit(id, call, 'answer', '')
return 1
