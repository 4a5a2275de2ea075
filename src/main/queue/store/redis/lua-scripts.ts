import { LUA_COMMON } from './lua-common';

/** A script: the prelude, then its body as a function, then the sorted-set writes it deferred and the counters it changed. */
function script(body: string, extra = ''): string {
  return `${LUA_COMMON}${extra}\nlocal function main()\n${body}\nend\nlocal result = main()\nflush_z()\nflush_counts()\nreturn result\n`;
}

/**
 * The atomic steps of the Redis store, one Lua script each (run with EVALSHA, falling back
 * to EVAL when the server has not seen the script yet: ioredis's defineCommand). A script
 * runs alone on the server, so what it reads and what it writes cannot interleave with
 * another worker's claim: that is what keeps two workers off one task under a live lease.
 */

/** The order of a task's fields in an enqueue (empty string = NULL). */
export const TASK_FIELDS = [
  'kind',
  'queue',
  'priority',
  'input',
  'max_attempts',
  'timeout_ms',
  'dedupe_key',
  'concurrency_key',
  'concurrency_limit',
  'parent_id',
  'position',
  'run_at',
  'state',
  'workflow',
  'spec',
  'children_total',
] as const;

const READ_FIELDS = String.raw`
local FIELDS = {${TASK_FIELDS.map((f) => `'${f}'`).join(', ')}}
local function read_task(at, clientNow, now)
  local f = {}
  for i, name in ipairs(FIELDS) do
    local v = ARGV[at + i - 1]
    if v ~= '' then f[name] = v end
  end
  -- A client's times are on its own clock: keep their distance from its "now".
  f.run_at = now + (tonumber(f.run_at) - clientNow)
  return f
end
`;

/**
 * ARGV: clientNow, nGroups, then per group: count, TASK_FIELDS (input left empty), count × input. A group is a run of items
 * that share every field but their input (a batch of one kind without options is one group); parent_id '$K' names item K of
 * the batch. Reply: now, then per task id and its row if it already existed (else 0).
 */
export const ENQUEUE = script(
  String.raw`
local now = now_ms()
local clientNow = tonumber(ARGV[1])
local ng = tonumber(ARGV[2])
local at = 3
local out = {now}
local ids = {}
-- Ids, state and ready sets of a group of plain tasks, written in a few multi-member calls.
local function ids_zadd(key, list)
  for j = 1, #list, 500 do redis.call('ZADD', key, unpack(list, j, math.min(j + 499, #list))) end
end
for g = 1, ng do
  local cnt = tonumber(ARGV[at])
  local f0 = read_task(at + 1, clientNow, now)
  at = at + 1 + #FIELDS
  local state = f0.state or 'queued'
  if not f0.dedupe_key and not f0.parent_id and not f0.workflow and state == 'queued' then
    -- The fields every task of the group shares, as insert() would write them.
    local base = {}
    for k, v in pairs(f0) do base[#base + 1] = k; base[#base + 1] = v end
    for _, kv in ipairs({{'created_at', now}, {'attempts', 0}, {'progress', 0}, {'cancel_requested', 0}, {'state', 'queued'}}) do
      if not f0[kv[1]] then base[#base + 1] = kv[1]; base[#base + 1] = kv[2] end
    end
    local nb = #base
    local last = redis.call('INCRBY', P .. 'seq', cnt)
    local first = last - cnt + 1
    local runAt = tonumber(f0.run_at)
    local all, queued, ready = {}, {}, {}
    for i = 0, cnt - 1 do
      local id = first + i
      base[nb + 1] = 'id'; base[nb + 2] = id; base[nb + 3] = 'input'; base[nb + 4] = ARGV[at + i]
      redis.call('HSET', tk(id), unpack(base))
      all[#all + 1] = id; all[#all + 1] = id
      if runAt <= now then ready[#ready + 1] = -tonumber(f0.priority); ready[#ready + 1] = member(runAt, id)
      else ready[#ready + 1] = runAt; ready[#ready + 1] = id end
      ids[#ids + 1] = id
      out[#out + 1] = id
      out[#out + 1] = 0
    end
    ids_zadd(P .. 'all', all)
    ids_zadd(P .. 's:queued', all)
    if runAt <= now then ids_zadd(P .. 'r:' .. f0.kind, ready) else ids_zadd(P .. 'd', ready) end
    count(f0.kind .. '|queued', cnt)
  else
    for i = 0, cnt - 1 do
      local f = {}
      for k, v in pairs(f0) do f[k] = v end
      f.input = ARGV[at + i]
      -- '$K': the id of item K of this batch (a workflow's children name their parent so).
      if f.parent_id and string.sub(f.parent_id, 1, 1) == '$' then f.parent_id = ids[tonumber(string.sub(f.parent_id, 2)) + 1] end
      local id, existing = insert(f, now)
      ids[#ids + 1] = id
      out[#out + 1] = id
      if existing then out[#out + 1] = redis.call('HGETALL', tk(id)) else out[#out + 1] = 0 end
    end
  end
  at = at + cnt
end
return out
`,
  READ_FIELDS,
);

/**
 * ARGV: workerId, leaseMs, free, scanExtra, start, nKinds, nKinds × (kind, left (-1: no limit), rateMax (0: none), rateIntervalMs),
 * nQueueLimits, nQueueLimits × (queue, left). Reply: now, wakeAt (-1), nextDue (-1), then the claimed rows (HGETALL's fields
 * and values joined by NUL, or HGETALL's array when a value holds a NUL).
 * The first `start` rows claimed start at once (started_at now); the rest are prefetched: claimed under a lease, with no
 * started_at until the runner reports their start (COMMIT), so they read as claimed, not running, meanwhile.
 */
export const CLAIM = script(String.raw`
DEFER = true
-- A claimed row goes back as one string, its fields and values joined by NUL (the client splits it
-- natively instead of decoding 30-odd bulk strings), unless a value holds a NUL: then as the array.
local function packrow(a)
  for i = 2, #a, 2 do if string.find(a[i], '\0', 1, true) then return a end end
  return table.concat(a, '\0')
end
local now = now_ms()
local worker, lease, free, extra, start = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
-- Delayed tasks that came due move to their kind's ready set.
local due = redis.call('ZRANGEBYSCORE', P .. 'd', '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(due) do
  local t = redis.call('HMGET', tk(id), 'kind', 'priority', 'run_at')
  if t[1] then redis.call('ZADD', P .. 'r:' .. t[1], -tonumber(t[2]), member(tonumber(t[3]), id)) end
  redis.call('ZREM', P .. 'd', id)
end
local nk = tonumber(ARGV[6])
local at = 7
local kinds = {}
local wake = -1
local paused = {}
for _, q in ipairs(redis.call('SMEMBERS', P .. 'paused')) do paused[q] = true end
for i = 1, nk do
  local kind, left, rmax, rint = ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]), tonumber(ARGV[at + 3])
  at = at + 4
  if left < 0 then left = free end
  if rmax > 0 then
    local rk = P .. 'rate:' .. kind
    redis.call('ZREMRANGEBYSCORE', rk, '-inf', now - rint)
    local r = rmax - redis.call('ZCARD', rk)
    if r <= 0 then
      local oldest = redis.call('ZRANGE', rk, 0, 0, 'WITHSCORES')
      if oldest[2] then
        local w = tonumber(oldest[2]) + rint + 1
        if wake < 0 or w < wake then wake = w end
      end
    end
    if r < left then left = r end
  end
  if left > 0 then kinds[kind] = {left = left, rate = rmax > 0} end
end
local nq = tonumber(ARGV[at])
at = at + 1
local qleft = {}
for i = 1, nq do qleft[ARGV[at]] = tonumber(ARGV[at + 1]); at = at + 2 end
local out = {now, wake, -1}
if not paused['*'] and free > 0 then
  local cands = {}
  local nsets = 0
  for kind, k in pairs(kinds) do
    local m = redis.call('ZRANGE', P .. 'r:' .. kind, 0, math.min(k.left, free) + extra - 1, 'WITHSCORES')
    if #m > 0 then nsets = nsets + 1 end
    for j = 1, #m, 2 do cands[#cands + 1] = {m[j], tonumber(m[j + 1]), kind} end
  end
  -- One kind's candidates are already in this order (a sorted set's: score, then member).
  if nsets > 1 then table.sort(cands, function(a, b) if a[2] ~= b[2] then return a[2] < b[2] end return a[1] < b[1] end) end
  local fence
  for _, c in ipairs(cands) do
    if free <= 0 then break end
    local kind = c[3]
    local k = kinds[kind]
    local id = tonumber(string.sub(c[1], 14))
    local key = tk(id)
    local t = redis.call('HMGET', key, 'state', 'queue', 'concurrency_key', 'concurrency_limit', 'attempts')
    if t[1] ~= 'queued' and t[1] ~= 'failed' then
      zrem(P .. 'r:' .. kind, c[1])
    elseif k.left > 0 and not paused[t[2]] and (qleft[t[2]] == nil or qleft[t[2]] > 0)
        and (not t[3] or tonumber(redis.call('HGET', P .. 'ck', t[3]) or '0') < tonumber(t[4] or '1')) then
      -- One fencing token per claim step: with the task id it names this attempt, and no later claim reuses it.
      if not fence then fence = redis.call('INCR', P .. 'fence') end
      local attempts = tonumber(t[5])
      if start > 0 then
        redis.call('HSET', key, 'state', 'running', 'attempts', attempts + 1, 'worker_id', worker,
          'lease_until', now + lease, 'fence', fence, 'cancel_requested', 0, 'started_at', now)
        start = start - 1
      else
        redis.call('HSET', key, 'state', 'running', 'attempts', attempts + 1, 'worker_id', worker,
          'lease_until', now + lease, 'fence', fence, 'cancel_requested', 0)
        if attempts > 0 then redis.call('HDEL', key, 'started_at') end
      end
      zrem(P .. 'r:' .. kind, c[1])
      zadd(P .. 'run', now + lease, id)
      setstate(id, kind, t[1], 'running')
      if k.rate then redis.call('ZADD', P .. 'rate:' .. kind, now, fence .. ':' .. id) end
      if t[3] then redis.call('HINCRBY', P .. 'ck', t[3], 1) end
      if qleft[t[2]] then qleft[t[2]] = qleft[t[2]] - 1 end
      k.left = k.left - 1
      free = free - 1
      out[#out + 1] = packrow(redis.call('HGETALL', key))
    end
  end
end
local nd = redis.call('ZRANGE', P .. 'd', 0, 0, 'WITHSCORES')
if nd[2] then out[3] = tonumber(nd[2]) end
return out
`);

/**
 * ARGV: nStarts, nStarts × (id, fence, startedAt), nFinish, nFinish × (id, fence, type s|f|c|i, a, b, c, d, startedAt ('', or
 * when it started on the server's clock, when its start was not written yet)), nProgress, nProgress × (id, fence, progress, message ('' none, else
 * prefixed by '=')), nLogs, nLogs × (id, entry JSON). Reply: {ok flags}, {touched ids}.
 * Types: s succeeded (a result); c cancelled; f failed (a code, b message, c stack, d retry delay ms, '' = dead);
 * i a workflow step whose input its kind refused (a code, b message).
 */
export const COMMIT = script(String.raw`
DEFER = true
local now = now_ms()
local function finish(id, fence, typ, a, b, c, d, ran)
  local key = tk(id)
  local t = redis.call('HMGET', key, 'state', 'fence', 'kind', 'attempts', 'dedupe_key', 'concurrency_key', 'parent_id', 'priority', 'cancel_requested')
  if t[1] ~= 'running' or t[2] ~= fence then
    -- Sent again after its reply was lost (a reconnect resends it): it landed the first time.
    -- Only this attempt ends its own claim succeeded or cancelled under this fence.
    if t[2] == fence and ((typ == 's' and t[1] == 'succeeded') or (typ == 'c' and t[1] == 'cancelled')) then return 1 end
    return 0
  end
  -- Its start (prefetched, not written yet) on the server's clock: never after its end.
  if ran ~= '' then ran = math.min(now, tonumber(ran)) end
  local kind, attempts = t[3], tonumber(t[4])
  zrem(P .. 'run', id)
  if t[9] == '1' then redis.call('SREM', P .. 'cx', id) end
  unkey(t[6])
  local to
  if typ == 's' then
    to = 'succeeded'
    if ran ~= '' then
      redis.call('HSET', key, 'state', to, 'result', a, 'finished_at', now, 'progress', 1, 'started_at', ran)
    else
      redis.call('HSET', key, 'state', to, 'result', a, 'finished_at', now, 'progress', 1)
    end
    redis.call('HDEL', key, 'lease_until', 'error_code', 'error_message', 'error_stack')
  elseif typ == 'c' then
    to = 'cancelled'
    redis.call('HDEL', key, 'lease_until')
    redis.call('HSET', key, 'state', to, 'finished_at', now, 'error_code', 'cancelled', 'error_message', 'The task was cancelled while it ran.')
    if ran ~= '' then redis.call('HSET', key, 'started_at', ran) end
    hist(id, now, 'cancelled', attempts)
  else
    if ran ~= '' then redis.call('HSET', key, 'started_at', ran) end
    local retry = typ == 'f' and d ~= ''
    if retry then to = 'failed' else to = 'dead' end
    redis.call('HDEL', key, 'lease_until')
    redis.call('HSET', key, 'state', to, 'error_code', a, 'error_message', b)
    if c ~= '' then redis.call('HSET', key, 'error_stack', c) else redis.call('HDEL', key, 'error_stack') end
    local stack = nil
    if c ~= '' then stack = c end
    hist(id, now, to, attempts, a, b, stack)
    if retry then
      local runAt = now + tonumber(d)
      redis.call('HSET', key, 'run_at', runAt)
      wait(id, kind, t[8], runAt, now)
    else
      redis.call('HSET', key, 'finished_at', now)
    end
  end
  setstate(id, kind, 'running', to)
  if to ~= 'failed' then
    finished(id, now)
    undedupe(id, t[5])
    if t[7] then child_settled(id, now, typ == 'i') end
  end
  return 1
end
-- Prefetched tasks that began (before their finishes, which may be in this same call).
local ns = tonumber(ARGV[1])
local at = 2
for i = 1, ns do
  local key = tk(ARGV[at])
  local t = redis.call('HMGET', key, 'state', 'fence')
  if t[1] == 'running' and t[2] == ARGV[at + 1] then redis.call('HSET', key, 'started_at', math.min(now, tonumber(ARGV[at + 2]))) end
  at = at + 3
end
local oks = {}
local n = tonumber(ARGV[at])
local fat = at + 1
at = fat + 8 * n
-- Progress before the finishes, while the tasks still run: a handler's last report and its end
-- often share a commit, and the finished task must keep that report.
local np = tonumber(ARGV[at])
at = at + 1
for i = 1, np do
  local id, fence, p, m = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  at = at + 4
  local key = tk(id)
  local t = redis.call('HMGET', key, 'state', 'fence', 'parent_id')
  if t[1] == 'running' and t[2] == fence then
    redis.call('HSET', key, 'progress', p)
    if m == '' then redis.call('HDEL', key, 'progress_message') else redis.call('HSET', key, 'progress_message', string.sub(m, 2)) end
    if t[3] then update_progress(t[3]) end
  end
end
for i = 1, n do
  oks[i] = finish(ARGV[fat], ARGV[fat + 1], ARGV[fat + 2], ARGV[fat + 3], ARGV[fat + 4], ARGV[fat + 5], ARGV[fat + 6], ARGV[fat + 7])
  fat = fat + 8
end
local nl = tonumber(ARGV[at])
at = at + 1
for i = 1, nl do
  redis.call('RPUSH', P .. 'l:' .. ARGV[at], ARGV[at + 1])
  at = at + 2
end
return {oks, touched}
`);

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
