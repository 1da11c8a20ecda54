import { readdirSync, readFileSync } from 'node:fs';

/** True while `pid` exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3 (after the parenthesised command) is the state; Z = zombie.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z';
  } catch {
    return false;
  }
}

/** Poll until `pid` is gone or `timeoutMs` passes; returns whether it is gone. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !processAlive(pid);
}

/** Live (non-zombie) descendants of `pid`, with their command lines: children, grandchildren ... */
export function liveDescendants(pid: number): Array<{ pid: number; cmdline: string }> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') parentOf.set(Number(entry), Number(ppid));
    } catch {
      // Ended while we looked.
    }
  }
  const found = new Set<number>([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [child, parent] of parentOf) {
      if (!found.has(child) && found.has(parent)) {
        found.add(child);
        grew = true;
      }
    }
  }
  found.delete(pid);
  return [...found].map((p) => {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      // Ended while we looked.
    }
    return { pid: p, cmdline };
  });
}
