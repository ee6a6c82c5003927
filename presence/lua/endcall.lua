-- ARGV[6] call. Releases whatever the call holds; returns the agent or ''.
local call = ARGV[6]
local c = redis.call('HMGET', ckey(call), 'agent', 'state', 'wrap', 'loop')
redis.call('DEL', ckey(call), tkey(call))
if c[2] == 'waiting' and c[4] then
  if unwait(c[4], call) > 0 then audit('', call, 'abandoned', c[4]) end
end
local id = c[1]
if not id then return '' end
local h = load(id)
if h.call == call then
  local wrap = NOW + tonumber(c[3] or '0')
  redis.call('ZREM', ONCALL, id)
  redis.call('HSET', akey(id), 'call', '', 'call_at', 0, 'idle', NOW, 'wrap', wrap)
  h.call, h.idle, h.wrap = '', NOW, wrap
  reindex(id, h)
  audit(id, call, 'hangup', 'wrap-up ' .. (c[3] or '0') .. 'ms')
  if wrap <= NOW then wake(h.loops) end
  return id
end
if h.claim == call then
  drop_claim(id, h)
  reindex(id, h)
  audit(id, call, 'release', 'caller left while ringing')
  wake(h.loops)
  return id
end
return ''
