-- ARGV[6] call, ARGV[7] agent, ARGV[8] call record ttl (ms), ARGV[9] longest call (ms).
-- The phone was answered: whatever the claim says, the agent is on this call now.
local call, id = ARGV[6], ARGV[7]
local h = load(id)
if h.call == call then return 0 end
-- A claimed agent is already out of every ready set (a claim is never
-- ready); only an answer without a claim has to take them out.
local claimed = h.claim ~= ''
if claimed then redis.call('ZREM', CLAIMS, id) end
redis.call('HSET', akey(id), 'call', call, 'call_at', NOW, 'noans', 0, 'claim', '', 'claim_exp', 0)
redis.call('ZADD', ONCALL, NOW + tonumber(ARGV[9]), id)
h.call, h.claim = call, ''
if not claimed then reindex(id, h) end
if redis.call('HSET', ckey(call), 'agent', id, 'state', 'answered') == 2 then
  redis.call('PEXPIRE', ckey(call), tonumber(ARGV[8])) -- a new record: the claim made none
end
audit(id, call, 'answer', '')
return 1
