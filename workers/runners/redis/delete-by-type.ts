import { deleteUnit, type MixDeleteStream } from '../../../src/core/redis-command-mix.js';
import { deleteDigitBound } from './delete-keys.js';

/**
 * Deletes part of one type's data in one EVAL (a delete stream of a command mix). ARGV: type, digit
 * bound, fraction, unit. A name is chosen when its last digit (or, for names not ending in a digit,
 * a digit from its SHA1) is below the bound, so holes are scattered as in delete-keys.ts. Work is
 * done as SCAN returns keys, holding no list of all keys: the script's own Lua memory would
 * otherwise show in the stream's allocator and RSS figures (100k string names: +7 MB). SCAN may
 * return a key twice; deleting chosen names is idempotent, trimming is not, so only lists and
 * streams are remembered. Returns {keys deleted, elements deleted}.
 */
export const DELETE_BY_TYPE_SCRIPT = `
local typ, below, fraction, unit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local function chosen(name)
  local d = tonumber(string.sub(name, -1))
  if d == nil then d = tonumber(string.sub(redis.sha1hex(name), 1, 4), 16) % 10 end
  return d < below
end
local scan = (typ == 'hash') and 'HSCAN' or ((typ == 'set') and 'SSCAN' or 'ZSCAN')
local del = (typ == 'hash') and 'HDEL' or ((typ == 'set') and 'SREM' or 'ZREM')
local step = (typ == 'set') and 1 or 2
local trimmed = {}
local keys_deleted, elements = 0, 0
local cursor = "0"
repeat
  local r = redis.call('SCAN', cursor, 'TYPE', typ, 'COUNT', 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do
    if unit == 'keys' then
      if chosen(k) then keys_deleted = keys_deleted + redis.call('DEL', k) end
    elseif typ == 'list' or typ == 'stream' then
      if not trimmed[k] then
        trimmed[k] = true
        local n = (typ == 'list') and redis.call('LLEN', k) or redis.call('XLEN', k)
        local drop = math.floor(n * fraction)
        if drop > 0 then
          if typ == 'list' then redis.call('LTRIM', k, drop, -1) else redis.call('XTRIM', k, 'MAXLEN', n - drop) end
          elements = elements + drop
        end
        if redis.call('EXISTS', k) == 0 then keys_deleted = keys_deleted + 1 end
      end
    else
      local c = "0"
      repeat
        local e = redis.call(scan, k, c, 'COUNT', 1000)
        c = e[1]
        for i = 1, #e[2], step do
          if chosen(e[2][i]) then elements = elements + redis.call(del, k, e[2][i]) end
        end
      until c == "0"
      if redis.call('EXISTS', k) == 0 then keys_deleted = keys_deleted + 1 end
    end
  end
until cursor == "0"
return {keys_deleted, elements}
`;

/** The EVAL arguments of a delete stream. */
export function deleteByTypeArgs(s: MixDeleteStream): string[] {
  return [s.type, String(deleteDigitBound(s.fraction)), String(s.fraction), deleteUnit(s)];
}
