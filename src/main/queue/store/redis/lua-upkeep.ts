import { script } from './lua-common';
import { READ_FIELDS } from './lua-scripts';

/*
 * The Redis store's upkeep steps, off a task's hot path: leases (heartbeat, expiry, requeue
 * of a stopping worker), cancel, retry, schedule firings and pruning. One Lua script each,
 * atomic for the same reason as lua-scripts.ts.
 */

const EXPIRE = String.raw`
local LEASE_MSG = 'The worker running this task stopped (its lease expired).'
local function expire(id, now)
  local key = tk(id)
  local t = redis.call('HMGET', key, 'state', 'attempts', 'max_attempts', 'kind', 'priority', 'dedupe_key', 'concurrency_key', 'parent_id', 'started_at')
  redis.call('ZREM', P .. 'run', id)
  redis.call('SREM', P .. 'cx', id)
  if t[1] ~= 'running' then return end
  local attempts = tonumber(t[2])
  if not t[9] then
    -- Prefetched and never started: the claim was not an attempt, so it does not count as one.
    attempts = attempts - 1
    redis.call('HSET', key, 'attempts', attempts)
  end
  hist(id, now, 'requeued', attempts, 'lease_expired', LEASE_MSG)
  unkey(t[7])
  redis.call('HDEL', key, 'lease_until')
  if attempts >= tonumber(t[3]) then
    redis.call('HSET', key, 'state', 'dead', 'error_code', 'lease_expired', 'error_message', LEASE_MSG, 'finished_at', now, 'run_at', now)
    setstate(id, t[4], 'running', 'dead')
    finished(id, now)
    undedupe(id, t[6])
    touch(id)
    if t[8] then child_settled(id, now) end
  else
    redis.call('HSET', key, 'state', 'queued', 'run_at', now)
    redis.call('HDEL', key, 'finished_at')
    setstate(id, t[4], 'running', 'queued')
    wait(id, t[4], t[5], now, now)
    touch(id)
  end
end
`;

/**
 * ARGV: workerId, leaseMs, workerJson ('' = do not register), mine ('1': take back every task this worker id holds, at start),
 * n, n × (id, fence). Extends the leases still ours; hands expired ones (of any worker) back.
 * Reply: now, {lost ids}, {cancel-requested ids}, {touched ids}.
 */
export const HEARTBEAT = script(
  String.raw`
local now = now_ms()
local worker, lease, info, mine, n = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])
local lost, cancels = {}, {}
for i = 0, n - 1 do
  local id, fence = ARGV[6 + i * 2], ARGV[7 + i * 2]
  local key = tk(id)
  local t = redis.call('HMGET', key, 'state', 'fence', 'cancel_requested')
  if t[1] == 'running' and t[2] == fence then
    redis.call('HSET', key, 'lease_until', now + lease)
    redis.call('ZADD', P .. 'run', now + lease, id)
    if t[3] == '1' then cancels[#cancels + 1] = tonumber(id) end
  else
    lost[#lost + 1] = tonumber(id)
  end
end
if info ~= '' then
  redis.call('HSET', P .. 'w', worker, info)
  redis.call('ZADD', P .. 'wb', now, worker)
end
if mine == '1' then
  for _, id in ipairs(redis.call('ZRANGE', P .. 'run', 0, -1)) do
    if redis.call('HGET', tk(id), 'worker_id') == worker then expire(id, now) end
  end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'run', '-inf', '(' .. now, 'LIMIT', 0, 1000)) do expire(id, now) end
-- Workers silent for a day are forgotten.
for _, w in ipairs(redis.call('ZRANGEBYSCORE', P .. 'wb', '-inf', now - 86400000)) do
  redis.call('HDEL', P .. 'w', w)
  redis.call('ZREM', P .. 'wb', w)
end
return {now, lost, cancels, touched}
`,
  EXPIRE,
);

/** ARGV: workerId, n, n × (id, fence). Hands unfinished attempts back unspent and forgets the worker. Reply: count. */
export const REQUEUE = script(String.raw`
local now = now_ms()
local worker, n = ARGV[1], tonumber(ARGV[2])
local count = 0
for i = 0, n - 1 do
  local id, fence = ARGV[3 + i * 2], ARGV[4 + i * 2]
  local key = tk(id)
  local t = redis.call('HMGET', key, 'state', 'fence', 'kind', 'priority', 'attempts', 'concurrency_key')
  if t[1] == 'running' and t[2] == fence then
    hist(id, now, 'requeued', tonumber(t[5]))
    redis.call('HINCRBY', key, 'attempts', -1)
    redis.call('HSET', key, 'state', 'queued', 'run_at', now)
    redis.call('HDEL', key, 'lease_until')
    redis.call('ZREM', P .. 'run', id)
    redis.call('SREM', P .. 'cx', id)
    unkey(t[6])
    setstate(id, t[3], 'running', 'queued')
    wait(id, t[3], t[4], now, now)
    count = count + 1
  end
end
redis.call('HDEL', P .. 'w', worker)
redis.call('ZREM', P .. 'wb', worker)
return count
`);

/** ARGV: id. Reply: outcome (missing|noop|cancelled|requested), {touched ids}. */
export const CANCEL = script(String.raw`
local now = now_ms()
local id = ARGV[1]
local t = hgetall(tk(id))
if not t.id then return {'missing', touched} end
if t.workflow then
  if t.state == 'running' then
    cancel_children(id, now)
    settle_parent(id, 'cancelled', nil, 'cancelled', 'The workflow was cancelled.', now)
  end
  return {'noop', touched}
end
if t.state == 'queued' or t.state == 'failed' then
  cancel_waiting(id, t, now, 'The task was cancelled before it ran.')
  hist(id, now, 'cancelled', 0)
  child_settled(id, now)
  return {'cancelled', touched}
end
if t.state == 'running' then
  redis.call('HSET', tk(id), 'cancel_requested', 1)
  redis.call('SADD', P .. 'cx', id)
  return {'requested', touched}
end
return {'noop', touched}
`);

/** ARGV: id. Reply: ok | missing | dedupe | the state it is in. */
export const RETRY = script(String.raw`
local now = now_ms()
local id = ARGV[1]
local key = tk(id)
local t = hgetall(key)
if not t.id then return 'missing' end
if t.workflow or (t.state ~= 'dead' and t.state ~= 'failed' and t.state ~= 'cancelled') then return t.state end
if t.dedupe_key then
  local holder = redis.call('HGET', P .. 'dd', t.dedupe_key)
  if holder and holder ~= id then return 'dedupe' end
  redis.call('HSET', P .. 'dd', t.dedupe_key, id)
end
if t.state == 'failed' then unwait(id, t.kind, t.priority, t.run_at) end
redis.call('HSET', key, 'state', 'queued', 'attempts', 0, 'run_at', now, 'progress', 0, 'cancel_requested', 0)
redis.call('HDEL', key, 'finished_at', 'error_code', 'error_message', 'error_stack', 'result', 'progress_message')
hist(id, now, 'retried', 0)
setstate(id, t.kind, t.state, 'queued')
redis.call('ZREM', P .. 'fin', id)
wait(id, t.kind, t.priority, now, now)
return 'ok'
`);

/**
 * ARGV: name, dueAt, nextRunAt, run ('1'/'0'), clientNow, then TASK_FIELDS. Advances a schedule with a compare-and-set on
 * its due time and enqueues its run in the same step, so any number of schedulers fire it once. Reply: -1 (another
 * scheduler fired it), 0 (advanced, no run), or the new task's id.
 */
export const FIRE = script(
  String.raw`
local now = now_ms()
local name = ARGV[1]
local cur = redis.call('ZSCORE', P .. 'schq', name)
if not cur or tonumber(cur) ~= tonumber(ARGV[2]) then return -1 end
redis.call('ZADD', P .. 'schq', ARGV[3], name)
if ARGV[4] ~= '1' then return 0 end
redis.call('HSET', P .. 'schl', name, now)
local id = insert(read_task(6, tonumber(ARGV[5]), now), now)
return id
`,
  READ_FIELDS,
);

/**
 * ARGV: before, offset, limit, nStates, states. Deletes finished tasks older than `before` in those states, never a child of a
 * live workflow. Reply: deleted, scanned.
 */
export const PRUNE = script(String.raw`
local before, offset, limit, ns = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local states = {}
for i = 1, ns do states[ARGV[4 + i]] = true end
local ids = redis.call('ZRANGEBYSCORE', P .. 'fin', '-inf', '(' .. before, 'LIMIT', offset, limit)
local deleted = 0
for _, id in ipairs(ids) do
  local t = redis.call('HMGET', tk(id), 'state', 'kind', 'parent_id')
  local keep = not states[t[1]]
  if not keep and t[3] then
    local ps = redis.call('HGET', tk(t[3]), 'state')
    keep = ps == 'queued' or ps == 'running' or ps == 'failed'
  end
  if not keep then
    redis.call('DEL', tk(id), P .. 'h:' .. id, P .. 'l:' .. id, P .. 'c:' .. id)
    redis.call('ZREM', P .. 'all', id)
    redis.call('ZREM', P .. 'fin', id)
    if t[1] then
      redis.call('ZREM', P .. 's:' .. t[1], id)
      redis.call('HINCRBY', P .. 'n', t[2] .. '|' .. t[1], -1)
    end
    deleted = deleted + 1
  end
end
return {deleted, #ids}
`);
