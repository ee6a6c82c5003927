-- ARGV[6] call. Releases whatever the call holds; returns the agent or ''.
local call = ARGV[6]
local c = redis.call('HMGET', ckey(call), 'agent', 'state', 'wrap')
redis.call('DEL', ckey(call), tkey(call))
local id = c[1]
if not id then return '' end
local h = load(id)
if h.call == call then
  local wrap = NOW + tonumber(c[3] or '0')
  redis.call('HDEL', akey(id), 'call', 'call_at')
  redis.call('ZREM', ONCALL, id)
  redis.call('HSET', akey(id), 'idle', NOW, 'wrap', wrap)
  h.call, h.idle, h.wrap = '', NOW, wrap
  reindex(id, h)
  audit(id, call, 'hangup', 'wrap-up ' .. (c[3] or '0') .. 'ms')
  return id
end
if h.claim == call then
  drop_claim(id, h)
  reindex(id, h)
  audit(id, call, 'release', 'caller left while ringing')
  return id
end
return ''
