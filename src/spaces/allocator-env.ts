import type { SearchSpace } from '../core/search-space.js';

/** One variable of a job's environment that is not the allocator's own. */
export interface EnvProblem {
  /** The variable, e.g. `LD_AUDIT`. */
  name: string;
  reason: string;
}

/** The knobs the space file documents (searched or extras): the only keys the allocator may be given. */
function knobNames(space: SearchSpace): Set<string> {
  return new Set([...space.parameters, ...space.extras].map((p) => p.name));
}

/** The variables `space`'s allocator reads, as its encoding defines them, for messages. */
export function allocatorVariables(space: SearchSpace): string {
  switch (space.encoding.format) {
    case 'malloc-conf':
      return 'MALLOC_CONF';
    case 'glibc-tunables':
      return 'GLIBC_TUNABLES';
    case 'env':
      return `${space.encoding.key_prefix}* knobs of ${space.file}`;
  }
}

/** Keys of a `k:v,k:v` (MALLOC_CONF) or `k=v:k=v` (GLIBC_TUNABLES) list; values are the allocator's to judge. */
function listKeys(text: string, pairSeparator: string, valueSeparator: string): string[] {
  return text
    .split(pairSeparator)
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf(valueSeparator);
      return at < 0 ? pair : pair.slice(0, at);
    });
}

/**
 * The variables of `env` that `space`'s allocator does not read as a tuning knob. Derived from the
 * space definition alone: a malloc-conf space reads MALLOC_CONF, a glibc-tunables space
 * GLIBC_TUNABLES, an env space one variable per documented knob; inside MALLOC_CONF and
 * GLIBC_TUNABLES every key must be a documented knob too (jemalloc's `prof_prefix` would write files
 * wherever it says, `glibc.rtld.*` tunes the loader). Loader and process variables (LD_*, GCONV_PATH,
 * PATH, TMPDIR, ...) are never the allocator's, so they are always refused; values are left for the
 * allocator to judge, so that a bad value fails with its own message.
 */
export function allocatorEnvProblems(space: SearchSpace, env: Readonly<Record<string, string>>): EnvProblem[] {
  const knobs = knobNames(space);
  const own = allocatorVariables(space);
  const problems: EnvProblem[] = [];
  for (const [name, value] of Object.entries(env)) {
    const shown = name.slice(0, 64);
    const foreign = (): void => {
      problems.push({ name: shown, reason: `${shown} is not a variable of ${space.allocator} (it reads ${own}); loader and process variables are set by the worker alone` });
    };
    switch (space.encoding.format) {
      case 'malloc-conf': {
        if (name !== 'MALLOC_CONF') {
          foreign();
          break;
        }
        // abort_conf is the encoder's own switch (abortOnInvalidConf), not a tuning knob.
        const bad = listKeys(value, ',', ':').filter((k) => k !== 'abort_conf' && !knobs.has(k));
        if (bad.length > 0) problems.push({ name, reason: `MALLOC_CONF sets ${bad.map((k) => k.slice(0, 64)).join(', ')}, not documented knobs of ${space.file}` });
        break;
      }
      case 'glibc-tunables': {
        if (name !== 'GLIBC_TUNABLES') {
          foreign();
          break;
        }
        const bad = listKeys(value, ':', '=').filter((k) => !knobs.has(k));
        if (bad.length > 0) problems.push({ name, reason: `GLIBC_TUNABLES sets ${bad.map((k) => k.slice(0, 64)).join(', ')}, not documented knobs of ${space.file}` });
        break;
      }
      case 'env':
        if (!knobs.has(name)) foreign();
        break;
    }
  }
  return problems;
}
