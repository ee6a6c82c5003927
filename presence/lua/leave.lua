-- ARGV[6] call, ARGV[7] loop, ARGV[8] why (overflow, timeout …).
-- Takes a waiting call out of the loop's line; returns its arrival (ms) or nil.
local call, loop = ARGV[6], ARGV[7]
local arrival = redis.call('ZSCORE', wkey(loop), call)
if not arrival then return nil end
unwait(loop, call)
redis.call('HSET', ckey(call), 'state', 'left')
audit('', call, 'left-line', loop .. ' ' .. ARGV[8])
return arrival
