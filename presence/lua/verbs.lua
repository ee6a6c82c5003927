-- The agent verbs the CLI, the AGI feature codes and the phone system's
-- events share, so a change means the same whoever makes it. Each returns
-- 1 when something changed, 0 when the agent already was so. A field that
-- no longer applies is set empty rather than deleted, which reads the same
-- and is one command less.

local function verb_login(id, h)
  if h.login ~= '0' then return 0 end
  local k = akey(id)
  redis.call('HSET', k, 'login', '1', 'in_by', ACTOR, 'in_at', NOW, 'reason', '', 'until', '', 'out_by', '', 'out_at', '')
  h.login = '1'
  if h.idle == 0 then
    redis.call('HSET', k, 'idle', NOW)
    h.idle = NOW
  end
  reindex(id, h)
  audit(id, '', 'login', '')
  if ready(h) then wake(h.loops) end
  return 1
end

local function verb_logout(id, h, reason, untl)
  local k = akey(id)
  local cur = redis.call('HMGET', k, 'reason', 'until')
  if h.login == '0' and cur[1] == reason and (cur[2] or '') == untl then return 0 end
  redis.call('HSET', k, 'login', '0', 'reason', reason, 'until', untl, 'out_by', ACTOR, 'out_at', NOW)
  h.login = '0'
  reindex(id, h)
  audit(id, '', 'logout', reason .. (untl ~= '' and (' until ' .. untl) or ''))
  return 1
end

local function verb_status(id, h, st)
  if h.status == st then return 0 end
  local k = akey(id)
  redis.call('HSET', k, 'status', st, 'status_at', NOW, 'status_by', ACTOR, 'noans', 0, 'status_reason', '')
  h.status = st
  reindex(id, h)
  audit(id, '', 'status', st)
  if ready(h) then wake(h.loops) end
  return 1
end
