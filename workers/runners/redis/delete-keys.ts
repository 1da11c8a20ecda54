/**
 * Deletes the loaded `s<size>:<12 digits>` keys whose last digit is below ARGV[1], in one EVAL:
 * keys are random, so the holes are scattered across slabs (redis-measurement.md §3.2).
 */
export const DELETE_SCRIPT = `
local below = tonumber(ARGV[1])
local cursor = "0"
local deleted = 0
repeat
  local r = redis.call('SCAN', cursor, 'MATCH', 's*:*', 'COUNT', 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do
    local d = tonumber(string.sub(k, -1))
    if d ~= nil and d < below then
      deleted = deleted + redis.call('DEL', k)
    end
  end
until cursor == "0"
return deleted
`;

/** Last-digit bound for deleting `fraction` of the keys: round(10 * fraction), 0..10. */
export function deleteDigitBound(fraction: number): number {
  return Math.max(0, Math.min(10, Math.round(10 * fraction)));
}
