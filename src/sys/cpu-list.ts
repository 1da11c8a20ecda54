import { AlloctuneError } from '../core/alloctune-error.js';

/** Largest CPU number accepted; the kernel's default CPU_SETSIZE is 1024. */
const MAX_CPU = 1023;

/**
 * CPU numbers of a taskset-style list ("1", "0-3", "0,2-3"), sorted and without duplicates.
 * Throws ALLOCTUNE_ERR_INVALID_INPUT for anything else, so the list is safe to pass as an argument.
 */
export function parseCpuList(list: string): number[] {
  const cpus = new Set<number>();
  const fail = (reason: string): never => {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'cpu list', reason: `${JSON.stringify(list)}: ${reason}` });
  };
  if (list.trim() === '') fail('empty');
  for (const part of list.split(',')) {
    const m = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(part.trim());
    if (!m) fail(`"${part}" is not N or N-M`);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) fail(`range ${part} is reversed`);
    if (hi > MAX_CPU) fail(`CPU ${hi} is above ${MAX_CPU}`);
    for (let c = lo; c <= hi; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}
