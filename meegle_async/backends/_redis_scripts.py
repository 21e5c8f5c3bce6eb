"""The Lua scripts of the Redis backend: one round trip each, on Redis ``TIME``."""

from __future__ import annotations

from ..transport.limits import (
    WINDOW_MARGIN,
)

_WINDOW = 1.0 + WINDOW_MARGIN
_US = 1_000_000
_FLEET_WINDOW = 30.0

_TIME = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
"""

# KEYS: log, state, fleet. ARGV: permit id, rate, window us, lease us, key ttl ms, client id,
# fleet window us, minute cap (0: none), minute window us. Returns {1, wait us, fleet size} for a
# slot, {0, wait us, fleet} to ask again after a pause, {0, -1, fleet} to ask again when a permit
# in flight is answered.
_RESERVE = (
    _TIME
    + """
local rate = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local cap = tonumber(ARGV[8])
local minute = tonumber(ARGV[9])
redis.call('ZADD', KEYS[3], now, ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[7]))
redis.call('PEXPIRE', KEYS[3], ttl)
local fleet = redis.call('ZCARD', KEYS[3])
local paused = tonumber(redis.call('HGET', KEYS[2], 'paused'))
if paused and paused > now then
  return {0, paused - now, fleet}
end
-- The earliest moment at which fewer than limit permits count within span before it: a permit
-- counts from its grant until span after its answer (its score; in flight, its lease deadline).
local function slot(span, limit)
  local low = now - span + 1
  local count = redis.call('ZCOUNT', KEYS[1], low, '+inf')
  if count < limit then
    return now
  end
  local entry = redis.call('ZRANGEBYSCORE', KEYS[1], low, '+inf', 'WITHSCORES', 'LIMIT',
    count - limit, 1)
  local answered = tonumber(entry[2])
  if answered > now then
    return -1
  end
  return answered + span
end
local keep = window
if cap > 0 and minute > keep then
  keep = minute
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - keep)
local at = slot(window, math.max(1, math.floor(rate + 1e-9)))
if at < 0 then
  return {0, -1, fleet}
end
if cap > 0 then
  local later = slot(minute, cap)
  if later < 0 then
    return {0, -1, fleet}
  end
  at = math.max(at, later)
end
redis.call('ZADD', KEYS[1], at + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return {1, at - now, fleet}
"""
)

# KEYS: log, state. ARGV: permit id. Returns 0 (go), the pause left in us (the permit is given
# back), or -1 when the permit is gone: Redis lost its state.
_CONFIRM = (
    _TIME
    + """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return -1
end
local paused = tonumber(redis.call('HGET', KEYS[2], 'paused'))
if paused and paused > now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return paused - now
end
return 0
"""
)

# KEYS: log. ARGV: permit id. The permit's score becomes its answer time.
_RELEASE = (
    _TIME
    + """
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
return 1
"""
)

# KEYS: state. ARGV: pause us, key ttl ms. Extends a pause, never shortens it.
_PAUSE = (
    _TIME
    + """
local target = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused'))
if (not paused) or paused < target then
  redis.call('HSET', KEYS[1], 'paused', target)
end
local ttl = math.max(tonumber(ARGV[2]), math.ceil(tonumber(ARGV[1]) / 1000) + 1000)
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
"""
)

# KEYS: token. ARGV: token value. Deletes the cached token only if it is still that value.
_DISCARD = """
local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, stored = pcall(cjson.decode, raw)
  if ok and type(stored) == 'table' and stored['value'] == ARGV[1] then
    return redis.call('DEL', KEYS[1])
  end
end
return 0
"""

# KEYS: lock. ARGV: owner. Releases the lock only if we still hold it.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
