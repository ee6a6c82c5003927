-- Supervisor and phone verbs. ARGV[6] agent, ARGV[7] verb, ARGV[8..] verb args.
-- Returns 1 when something changed, 0 when the agent already was so.
local id, verb = ARGV[6], ARGV[7]
local k = akey(id)
local h = load(id)
if verb == 'login' then
  if h.login ~= '0' then return 0 end
  redis.call('HSET', k, 'login', '1', 'in_by', ACTOR, 'in_at', NOW)
  redis.call('HDEL', k, 'reason', 'until', 'out_by', 'out_at')
  h.login = '1'
  if h.idle == 0 then
    redis.call('HSET', k, 'idle', NOW)
    h.idle = NOW
  end
  reindex(id, h)
  audit(id, '', 'login', '')
  if ready(h) then wake(h.loops) end
  return 1
elseif verb == 'logout' then
  local reason, untl = ARGV[8], ARGV[9]
  local cur = redis.call('HMGET', k, 'reason', 'until')
  if h.login == '0' and cur[1] == reason and (cur[2] or '') == untl then return 0 end
  redis.call('HSET', k, 'login', '0', 'reason', reason, 'until', untl, 'out_by', ACTOR, 'out_at', NOW)
  h.login = '0'
  reindex(id, h)
  audit(id, '', 'logout', reason .. (untl ~= '' and (' until ' .. untl) or ''))
  return 1
elseif verb == 'status' then
  local st = ARGV[8]
  if h.status == st then return 0 end
  redis.call('HSET', k, 'status', st, 'status_at', NOW, 'status_by', ACTOR, 'noans', 0)
  redis.call('HDEL', k, 'status_reason')
  h.status = st
  reindex(id, h)
  audit(id, '', 'status', st)
  if ready(h) then wake(h.loops) end
  return 1
elseif verb == 'sync' then
  -- ARGV[8] the loops the configuration puts the agent in, comma separated.
  local new = ARGV[8]
  if redis.call('HSETNX', k, 'idle', NOW) == 1 then h.idle = NOW end
  local keep = {}
  for _, l in ipairs(split(new)) do keep[l] = true end
  for _, l in ipairs(split(h.loops)) do
    if not keep[l] then redis.call('ZREM', rkey(l), id) end
  end
  redis.call('HSET', k, 'loops', new)
  h.loops = new
  reindex(id, h)
  return 1
elseif verb == 'reap' then
  reap_waiting(256)
  return reap(256)
end
return redis.error_reply('unknown verb ' .. tostring(verb))
