import type { ExportEvidence } from '../../core/export-evidence.js';
import type { SpaceEncoding } from '../../core/search-space.js';
import { EnvValueSchema } from '../../core/safe-text.js';

/**
 * The library path to export as LD_PRELOAD: the worker's read-back, if it keeps to the safe alphabet
 * of environment values (a path with other characters would not survive every format's quoting).
 */
export function exportablePreload(e: ExportEvidence): string | undefined {
  return e.preload !== undefined && EnvValueSchema.safeParse(e.preload).success ? e.preload : undefined;
}

/**
 * What can stop an exported setting from reaching the allocator in production, for the encoding
 * the allocator's space uses (not its name). Sources: shared/reference/allocator-knobs.md sections
 * 1.2, 2.1 and 5, redis-measurement.md section 2.
 */
export function deployWarnings(e: ExportEvidence, encoding: SpaceEncoding['format']): string[] {
  const warnings: string[] = [];
  if (encoding === 'malloc-conf') {
    // Verified on Debian redis-server 7.0.15: JE_MALLOC_CONF is ignored there, MALLOC_CONF applies.
    warnings.push(
      'MALLOC_CONF reaches only an unprefixed jemalloc: the system libjemalloc a program links (as Debian\'s redis-server does) or one ' +
        'loaded with LD_PRELOAD. A program with its own bundled, prefixed jemalloc ignores MALLOC_CONF and /etc/malloc.conf, and ' +
        'LD_PRELOAD does not replace it, since it calls its prefixed functions directly: upstream Redis built from source bundles ' +
        'jemalloc with the je_ prefix, which reads JE_MALLOC_CONF and /etc/je_malloc.conf instead (and is an older jemalloc: ' +
        '5.2.1 in Redis 7.0.15). After deploying, check the opt.* lines of MEMORY MALLOC-STATS (Redis) or malloc_stats_print.',
    );
  }
  if (encoding === 'glibc-tunables') {
    warnings.push('glibc ignores most malloc tunables in setuid and other AT_SECURE processes.');
  }
  const preload = exportablePreload(e);
  if (preload !== undefined) {
    warnings.push(
      `LD_PRELOAD=${preload} is the library the worker loaded; the host or image you deploy to must have that file at that path ` +
        '(it differs between distributions), and LD_PRELOAD does not replace an allocator that the program links statically.',
    );
  } else if (e.preload !== undefined) {
    warnings.push('the worker reported a library path with characters outside letters, digits and _ . , : = / + @ % -, so LD_PRELOAD is left out: set it on the target yourself.');
  } else if (encoding !== 'glibc-tunables') {
    warnings.push(`the library path is unknown (the worker reported no preloaded library), so LD_PRELOAD is left out: set it to ${e.allocator}'s shared library on the target yourself.`);
  }
  return warnings;
}
