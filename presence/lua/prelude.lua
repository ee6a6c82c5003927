-- Shared by every script. ARGV[1] key prefix ("{sb}:"), ARGV[2] now (ms),
-- ARGV[3] source, ARGV[4] actor, ARGV[5] audit stream max length.
-- KEYS[1] is the audit stream, so Redis Cluster routes the script to the
-- deployment's slot; every other key shares its hash tag.
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
local SRC = ARGV[3]
local ACTOR = ARGV[4]
local AUDITMAX = ARGV[5]

local function akey(id) return P .. 'agent:' .. id end
local function rkey(loop) return P .. 'ready:' .. loop end
local function ckey(call) return P .. 'call:' .. call end
local function tkey(call) return P .. 'tried:' .. call end
local CLAIMS = P .. 'claims'
local ONCALL = P .. 'oncall'
local LEASES = P .. 'waitlease'
local WAKE = P .. 'wake'
local function wkey(loop) return P .. 'wait:' .. loop end

-- Every function below may use these two: a local function sees only the
-- locals declared before it.
local function audit(agent, call, event, detail)
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', AUDITMAX, '*',
    'ts', NOW, 'src', SRC, 'actor', ACTOR, 'agent', agent, 'call', call, 'event', event, 'detail', detail)
end

local function split(s)
  local t = {}
  if s then
    for x in string.gmatch(s, '[^,]+') do t[#t + 1] = x end
  end
  return t
end

-- wake tells waiting sessions that an agent of these loops (comma separated)
-- may be free, so they try again at once instead of polling. Only loops
-- with callers in line are named, and nothing is published when none has:
-- a caller who joins later claims within the same script that queues them.
local function wake(loops)
  local named = {}
  for _, l in ipairs(split(loops)) do
    if redis.call('EXISTS', wkey(l)) == 1 then named[#named + 1] = l end
  end
  if #named > 0 then redis.call('PUBLISH', WAKE, table.concat(named, ',')) end
end

-- unwait takes a call out of its loop's waiting line.
local function unwait(loop, call)
  local n = redis.call('ZREM', wkey(loop), call)
  redis.call('ZREM', LEASES, loop .. ' ' .. call)
  if n > 0 then wake(loop) end
  return n
end

-- reap_waiting drops waiting callers whose session stopped renewing its
-- lease: a crashed service must not leave ghosts ahead of live callers.
local function reap_waiting(limit)
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', LEASES, '-inf', NOW, 'LIMIT', 0, limit)) do
    local sp = string.find(m, ' ', 1, true)
    local loop, call = string.sub(m, 1, sp - 1), string.sub(m, sp + 1)
    unwait(loop, call)
    redis.call('HSET', ckey(call), 'state', 'abandoned')
    audit('', call, 'wait-expired', loop)
  end
end

local function load(id)
  local v = redis.call('HMGET', akey(id), 'login', 'status', 'call', 'claim', 'claim_exp', 'idle', 'wrap', 'loops',
    'direct', 'unreach')
  return {
    login = v[1] or '1', status = v[2] or 'available', call = v[3] or '', claim = v[4] or '',
    claim_exp = tonumber(v[5] or '0'), idle = tonumber(v[6] or '0'), wrap = tonumber(v[7] or '0'),
    loops = v[8] or '', direct = v[9] or '', unreach = v[10] or '',
  }
end

-- ready: may be offered calls once out of wrap-up (the index condition).
-- direct: a call that did not come through a loop (the phone is busy);
-- unreach: the phone is not registered. Both are set from PBX events.
local function ready(h)
  return h.login ~= '0' and h.status == 'available' and h.call == '' and h.claim == ''
    and h.direct == '' and h.unreach ~= '1'
end

-- reindex puts the agent into, or takes them out of, the ready set of every loop they serve.
local function reindex(id, h)
  local loops = split(h.loops)
  if ready(h) then
    for _, l in ipairs(loops) do redis.call('ZADD', rkey(l), h.idle, id) end
  else
    for _, l in ipairs(loops) do redis.call('ZREM', rkey(l), id) end
  end
end

-- reap drops claims whose call vanished without a dial result or hangup,
-- and ends calls that outlived the longest call allowed (a hangup that never
-- reached the service must not leave an agent "on call" for ever).
local function reap(limit)
  local n = 0
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', ONCALL, '-inf', NOW, 'LIMIT', 0, limit)) do
    redis.call('ZREM', ONCALL, id)
    local h = load(id)
    if h.call ~= '' then
      local call = h.call
      redis.call('HDEL', akey(id), 'call', 'call_at')
      redis.call('HSET', akey(id), 'idle', NOW)
      h.call, h.idle = '', NOW
      reindex(id, h)
      audit(id, call, 'call-expired', 'no hangup reported')
      wake(h.loops)
      n = n + 1
    end
  end
  local due = redis.call('ZRANGEBYSCORE', CLAIMS, '-inf', NOW, 'LIMIT', 0, limit)
  for _, id in ipairs(due) do
    redis.call('ZREM', CLAIMS, id)
    local h = load(id)
    if h.claim ~= '' and h.claim_exp <= NOW then
      local call = h.claim
      redis.call('HDEL', akey(id), 'claim', 'claim_exp')
      h.claim = ''
      reindex(id, h)
      audit(id, call, 'claim-expired', '')
      wake(h.loops)
      n = n + 1
    end
  end
  return n
end

local function drop_claim(id, h)
  redis.call('HDEL', akey(id), 'claim', 'claim_exp')
  redis.call('ZREM', CLAIMS, id)
  h.claim = ''
end
