-- Supervisor and phone verbs. ARGV[6] agent, ARGV[7] verb, ARGV[8..] verb args.
-- Returns 1 when something changed, 0 when the agent already was so.
local id, verb = ARGV[6], ARGV[7]
local k = akey(id)
local h = load(id)
if verb == 'login' then
  return verb_login(id, h)
elseif verb == 'logout' then
  return verb_logout(id, h, ARGV[8], ARGV[9])
elseif verb == 'status' then
  return verb_status(id, h, ARGV[8])
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
