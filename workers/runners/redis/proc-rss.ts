import { readFile } from 'node:fs/promises';

/** How a process's resident set splits by backing (Linux /proc/PID/status, kB fields). */
export interface RssSplit {
  /** Anonymous memory: the heap the allocator manages (and can give back). */
  rss_anon_bytes: number;
  /** File-backed pages: the executable and shared libraries, which no allocator setting changes. */
  rss_file_bytes: number;
  rss_shmem_bytes: number;
}

/**
 * Parses `RssAnon`, `RssFile` and `RssShmem` from /proc/PID/status text. An empty Debian redis-server
 * has ~9.5 MB RssFile, so a small dataset's mem_fragmentation_ratio cannot fall below
 * 1 + RssFile / used_memory whatever the allocator does (see the reachability note in the export).
 */
export function parseRssSplit(status: string): RssSplit {
  const kb = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!m) throw new Error(`/proc status has no ${name} line`);
    return Number(m[1]) * 1024;
  };
  return { rss_anon_bytes: kb('RssAnon'), rss_file_bytes: kb('RssFile'), rss_shmem_bytes: kb('RssShmem') };
}

/** The RSS split of a running process. */
export async function readRssSplit(pid: number): Promise<RssSplit> {
  return parseRssSplit(await readFile(`/proc/${pid}/status`, 'utf8'));
}
