import { script } from './lua-common';

/**
 * The atomic steps of a task's way through the Redis store (enqueue, claim, commit; the upkeep
 * steps are in lua-upkeep.ts), one Lua script each (run with EVALSHA, falling back
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

export const READ_FIELDS = String.raw`
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
