/**
 * Lua shared by every script of the Redis store: key names, the clock, state bookkeeping,
 * inserting a task and advancing workflows. Each script is this prelude followed by its
 * own body, so a step that touches several keys is one atomic script run on the server.
 *
 * Every key starts with KEYS[1], the prefix `{loupe:NAME}:`. The braces are a Redis Cluster
 * hash tag: all of one queue's keys live in one slot, so multi-key scripts are legal there.
 *
 * Layout (P = the prefix):
 *   P seq, P fence           counters: task ids, fencing tokens (one per claim)
 *   P t:ID                   hash: the task's fields, named as the SQLite columns
 *   P h:ID, P l:ID, P c:ID   lists: history entries (JSON), log lines (JSON), child ids
 *   P r:KIND                 zset of due waiting tasks: score -priority, member runAt|id (padded)
 *   P d                      zset of waiting tasks not yet due, by runAt
 *   P run                    zset of running tasks, by lease end
 *   P all, P s:STATE         zsets of ids (score id): listing, newest first
 *   P n                      hash "kind|state" -> count
 *   P fin                    zset of finished ids by finish time (stats, pruning)
 *   P dd                     hash dedupe key -> id of its live task
 *   P ck                     hash concurrency key -> running count
 *   P rate:KIND              zset of claim times (rate limits, across every runner)
 *   P paused                 set of paused queue names ('*': all)
 *   P cx                     set of running tasks whose cancel was asked (one read per poll, whatever runs)
 *   P w, P wb                hash worker id -> JSON; zset worker id -> last heartbeat
 *   P sch, P schq, P schl    schedules: hash name -> JSON, zset name -> next run, hash name -> last run
 *
 * Times come from the server (TIME), so leases and due times do not depend on any worker's
 * clock; a client's times are shifted by its offset from the server on the way in.
 */
export const LUA_COMMON = String.raw`
local P = KEYS[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function tk(id) return P .. 't:' .. id end
local function member(runAt, id)
  if runAt < 0 then runAt = 0 end
  return string.format('%013d%015d', runAt, id)
end
local function jstr(s) if s == nil or s == false then return 'null' end return cjson.encode(s) end
local function hist(id, at, event, attempt, code, message, stack)
  local e = '{"at":' .. string.format('%d', at) .. ',"event":"' .. event .. '","attempt":' .. string.format('%d', attempt)
  if code then e = e .. ',"error":{"code":' .. jstr(code) .. ',"message":' .. jstr(message) .. (stack and (',"stack":' .. jstr(stack)) or '') .. '}' end
  redis.call('RPUSH', P .. 'h:' .. id, e .. '}')
end
-- Counts by kind and state change on every transition: summed here, written once per script (flush_counts).
local counts = {}
local function count(key, d) counts[key] = (counts[key] or 0) + d end
local function flush_counts()
  for k, d in pairs(counts) do if d ~= 0 then redis.call('HINCRBY', P .. 'n', k, d) end end
end
-- Sorted-set writes of the per-task hot paths. In the claim and commit scripts (DEFER), which read
-- none of these sets after writing them, they are queued per key, in order, and written at the end
-- with one multi-member call per run of the same command (flush_z): a turn of 30 tasks then makes
-- a few calls per set instead of one per task. Elsewhere they are written at once.
local DEFER = false
local zq, zkeys = {}, {}
local function zlater(op, key, a, b)
  local runs = zq[key]
  if not runs then runs = {}; zq[key] = runs; zkeys[#zkeys + 1] = key end
  local r = runs[#runs]
  if not r or r.op ~= op then r = {op = op}; runs[#runs + 1] = r end
  r[#r + 1] = a
  if b ~= nil then r[#r + 1] = b end
end
local function zadd(key, score, m)
  if DEFER then zlater('ZADD', key, score, m) else redis.call('ZADD', key, score, m) end
end
local function zrem(key, m)
  if DEFER then zlater('ZREM', key, m) else redis.call('ZREM', key, m) end
end
local function flush_z()
  for _, key in ipairs(zkeys) do
    for _, r in ipairs(zq[key]) do
      for j = 1, #r, 1000 do redis.call(r.op, key, unpack(r, j, math.min(j + 999, #r))) end
    end
  end
end
local function setstate(id, kind, from, to)
  if from then
    zrem(P .. 's:' .. from, id)
    count(kind .. '|' .. from, -1)
  end
  zadd(P .. 's:' .. to, id, id)
  count(kind .. '|' .. to, 1)
end
local function wait(id, kind, priority, runAt, now)
  if runAt <= now then
    redis.call('ZADD', P .. 'r:' .. kind, -tonumber(priority), member(runAt, id))
  else
    redis.call('ZADD', P .. 'd', runAt, id)
  end
end
local function unwait(id, kind, priority, runAt)
  redis.call('ZREM', P .. 'r:' .. kind, member(tonumber(runAt), id))
  redis.call('ZREM', P .. 'd', id)
end
local function undedupe(id, key)
  if key and redis.call('HGET', P .. 'dd', key) == tostring(id) then redis.call('HDEL', P .. 'dd', key) end
end
local function unkey(ckey)
  if ckey then
    if redis.call('HINCRBY', P .. 'ck', ckey, -1) <= 0 then redis.call('HDEL', P .. 'ck', ckey) end
  end
end
local function finished(id, now) zadd(P .. 'fin', now, id) end
local function hgetall(key)
  local a = redis.call('HGETALL', key)
  local t = {}
  for i = 1, #a, 2 do t[a[i]] = a[i + 1] end
  return t
end

-- Inserts a task from a table of fields (strings, nil = NULL); returns id, existing.
local function insert(f, now)
  if f.dedupe_key then
    local ex = redis.call('HGET', P .. 'dd', f.dedupe_key)
    if ex then return tonumber(ex), true end
  end
  local id = redis.call('INCR', P .. 'seq')
  f.id = id
  f.created_at = now
  f.attempts = 0
  f.progress = 0
  f.cancel_requested = 0
  f.state = f.state or 'queued'
  if f.state == 'running' then f.started_at = now end
  local args = {}
  for k, v in pairs(f) do args[#args + 1] = k; args[#args + 1] = v end
  redis.call('HSET', tk(id), unpack(args))
  redis.call('ZADD', P .. 'all', id, id)
  setstate(id, f.kind, nil, f.state)
  if f.state == 'queued' then wait(id, f.kind, f.priority, tonumber(f.run_at), now) end
  if f.dedupe_key then redis.call('HSET', P .. 'dd', f.dedupe_key, id) end
  if f.parent_id then redis.call('RPUSH', P .. 'c:' .. f.parent_id, id) end
  return id, false
end

local touched = {}
local function touch(id) touched[#touched + 1] = tonumber(id) end

local function update_progress(pid)
  local p = redis.call('HMGET', tk(pid), 'state', 'workflow', 'children_total')
  if p[1] ~= 'running' or not p[2] then return end
  local sum = 0
  for _, cid in ipairs(redis.call('LRANGE', P .. 'c:' .. pid, 0, -1)) do
    local c = redis.call('HMGET', tk(cid), 'state', 'progress')
    if c[1] == 'succeeded' then sum = sum + 1 else sum = sum + (tonumber(c[2]) or 0) end
  end
  local total = math.max(1, tonumber(p[3]) or 1)
  redis.call('HSET', tk(pid), 'progress', tostring(math.min(1, sum / total)))
  touch(pid)
end

local child_settled

local function settle_parent(pid, state, result, code, message, now)
  local key = tk(pid)
  local p = redis.call('HMGET', key, 'state', 'kind')
  if p[1] ~= 'running' then return end
  redis.call('HSET', key, 'state', state, 'finished_at', now)
  if result then redis.call('HSET', key, 'result', result) else redis.call('HDEL', key, 'result') end
  if code then redis.call('HSET', key, 'error_code', code, 'error_message', message) end
  if state == 'succeeded' then redis.call('HSET', key, 'progress', 1) end
  setstate(pid, p[2], 'running', state)
  finished(pid, now)
  touch(pid)
  child_settled(pid, now)
end

local function cancel_waiting(id, t, now, message)
  unwait(id, t.kind, t.priority, t.run_at)
  redis.call('HSET', tk(id), 'state', 'cancelled', 'finished_at', now, 'error_code', 'cancelled', 'error_message', message)
  setstate(id, t.kind, t.state, 'cancelled')
  undedupe(id, t.dedupe_key)
  finished(id, now)
  touch(id)
end

local function cancel_children(pid, now)
  for _, cid in ipairs(redis.call('LRANGE', P .. 'c:' .. pid, 0, -1)) do
    local t = hgetall(tk(cid))
    if t.state == 'queued' or t.state == 'failed' then
      cancel_waiting(cid, t, now, 'Its workflow ended before it ran.')
    elseif t.state == 'running' and not t.workflow then
      redis.call('HSET', tk(cid), 'cancel_requested', 1)
      redis.call('SADD', P .. 'cx', cid)
      touch(cid)
    end
  end
end

-- A workflow step decided now: its shape was resolved when the workflow was made.
local function start_child(pid, shape, input, position, now)
  local f = {}
  for k, v in pairs(shape) do f[k] = v end
  f.input = input
  f.parent_id = pid
  f.position = position
  f.run_at = now
  f.validate = 1
  local id = insert(f, now)
  touch(id)
end

local function group_maybe_done(pid, p, spec, size, now)
  local ids = redis.call('LRANGE', P .. 'c:' .. pid, 0, size - 1)
  if #ids < size then return end
  local settled = spec.mode == 'settleAll' and p.workflow == 'group'
  local parts = {}
  for i, cid in ipairs(ids) do
    local c = redis.call('HMGET', tk(cid), 'state', 'result', 'error_code', 'error_message')
    if c[1] ~= 'succeeded' and c[1] ~= 'dead' and c[1] ~= 'cancelled' then return end
    local result = c[2] or 'null'
    if settled then
      local err = 'null'
      if c[3] then err = '{"code":' .. jstr(c[3]) .. ',"message":' .. jstr(c[4] or '') .. '}' end
      parts[i] = '{"state":"' .. c[1] .. '","result":' .. result .. ',"error":' .. err .. '}'
    else
      parts[i] = result
    end
  end
  local results = '[' .. table.concat(parts, ',') .. ']'
  if p.workflow == 'chord' and spec.callback then
    start_child(pid, spec.callback, results, size, now)
    return
  end
  settle_parent(pid, 'succeeded', results, nil, nil, now)
end

-- Ported from the SQLite store's WorkflowStore.childSettled: the same rules, run in the same
-- script that settled the child, so no crash can leave a workflow between two steps.
child_settled = function(cid, now, invalid)
  local c = hgetall(tk(cid))
  if not c.parent_id or not c.position then return end
  local pid = c.parent_id
  local p = hgetall(tk(pid))
  if p.state ~= 'running' or not p.workflow then return end
  local spec = cjson.decode(p.spec or '{}')
  local pos = tonumber(c.position)
  local size
  if p.workflow == 'chord' then size = spec.size or 0 else size = tonumber(p.children_total) or 0 end
  local in_group = p.workflow ~= 'chain' and pos < size
  update_progress(pid)
  if c.state == 'succeeded' then
    if p.workflow == 'chain' then
      local steps = spec.steps or {}
      if pos + 1 < #steps then start_child(pid, steps[pos + 2], c.result or 'null', pos + 1, now)
      else settle_parent(pid, 'succeeded', c.result or 'null', nil, nil, now) end
      return
    end
    if in_group then return group_maybe_done(pid, p, spec, size, now) end
    return settle_parent(pid, 'succeeded', c.result or 'null', nil, nil, now)
  end
  local fail_fast = p.workflow == 'chord' or spec.mode ~= 'settleAll'
  if in_group and not fail_fast then return group_maybe_done(pid, p, spec, size, now) end
  local what
  if p.workflow == 'chain' then what = 'step ' .. (pos + 1) .. ' (' .. c.kind .. ')'
  elseif in_group then what = 'task ' .. (pos + 1) .. ' (' .. c.kind .. ')'
  else what = 'the callback (' .. c.kind .. ')' end
  cancel_children(pid, now)
  if c.state == 'cancelled' then
    return settle_parent(pid, 'cancelled', nil, 'cancelled', what .. ' was cancelled.', now)
  end
  if invalid then
    return settle_parent(pid, 'dead', nil, c.error_code, 'step ' .. (pos + 1) .. ' (' .. c.kind .. '): ' .. (c.error_message or ''), now)
  end
  settle_parent(pid, 'dead', nil, 'child_failed', what .. ' failed: ' .. (c.error_message or 'unknown error'), now)
end
`;

/** A script: the prelude, then its body as a function, then the sorted-set writes it deferred and the counters it changed. */
export function script(body: string, extra = ''): string {
  return `${LUA_COMMON}${extra}\nlocal function main()\n${body}\nend\nlocal result = main()\nflush_z()\nflush_counts()\nreturn result\n`;
}
