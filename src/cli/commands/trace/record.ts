import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AlloctuneError } from '../../../core/alloctune-error.js';
import { TRACE_FILE_SUFFIX, TraceNameSchema } from '../../../core/trace-name.js';
import { allocatorNames, knownAllocatorSchema, resolvePreloadLibrary } from '../../../spaces/index.js';
import { recordTrace } from '../../../trace/record-trace.js';
import { recordReferences } from '../../../trace/reference-run.js';
import { resolveCommand } from '../../../trace/resolve-command.js';
import { UsageError } from '../../usage-error.js';
import { TRACES_OPTION, TRACES_USAGE, tracesDir } from './traces-dir-option.js';

const USAGE = `usage: alloctune trace record NAME [--traces DIR] [--allocator A] [--reference-allocators A,B,...] [--follow-forks] [--follow-exec] [--json] -- CMD ARGS...
  Runs CMD (no shell; stdin is /dev/null) under the allocation tracer and writes NAME.trace and its
  sidecar NAME.json (command, exit status, wall ms, peak RSS, allocator environment, records, sha256).
  ${TRACES_USAGE}
  --allocator A    preload allocator A's library after the tracer (default: what CMD loads itself)
  --reference-allocators A,B,...
                   after the recording, run CMD untraced once under each allocator and store in the
                   sidecar its peak RSS, wall and CPU time and the allocator read back: what a replay
                   under that allocator is compared with (a server needs the same load again each run;
                   one that serves another allocator or ends otherwise than the recording is reported)
  --follow-forks   a forked child writes its own NAME.<pid>.trace (default: not traced)
  --follow-exec    a program CMD executes writes NAME.<pid>.trace (default: only CMD itself is traced)
  The program's environment is yours; MALLOC_CONF, GLIBC_TUNABLES ... in it are recorded.
  A program killed by SIGTERM, SIGHUP or SIGQUIT still leaves a complete trace (the sidecar's signal
  says where it stopped); SIGINT (Ctrl-C, passed on to the program) is the program's own to handle, so
  one that dies of it by default, like one killed by SIGKILL, leaves a trace that cannot be finished.
`;

/** The registry names of --reference-allocators, in order without repeats; every unknown one named. */
function referenceAllocators(list: string | undefined): string[] {
  if (list === undefined) return [];
  const names = [...new Set(list.split(',').map((n) => n.trim()))];
  const known = knownAllocatorSchema();
  const bad = names.filter((n) => !known.safeParse(n).success);
  if (bad.length > 0 || names.length === 0) {
    throw new UsageError('trace', '--reference-allocators', `${bad.map((n) => `'${n.slice(0, 64)}'`).join(', ') || 'none'} ${bad.length === 1 ? 'is not an allocator' : 'are not allocators'}: each one of ${allocatorNames().join(', ')}`);
  }
  return names;
}

/** `alloctune trace record NAME ... -- CMD ARGS...`. */
export async function run(argv: string[]): Promise<number> {
  const split = argv.indexOf('--');
  const own = split < 0 ? argv : argv.slice(0, split);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    strict: true,
    options: {
      ...TRACES_OPTION,
      allocator: { type: 'string' },
      'reference-allocators': { type: 'string' },
      'follow-forks': { type: 'boolean', default: false },
      'follow-exec': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [name, extra] = positionals;
  if (name === undefined || !TraceNameSchema.safeParse(name).success) {
    throw new UsageError('trace', 'NAME', `${name === undefined ? 'missing' : `'${name.slice(0, 80)}' is not a trace name`}: [a-z0-9][a-z0-9._-]{0,63}`);
  }
  if (extra !== undefined) throw new UsageError('trace', 'arguments', `unexpected '${extra.slice(0, 80)}' before '--' (the program goes after '--')`);
  const [program, ...args] = split < 0 ? [] : argv.slice(split + 1);
  if (program === undefined) throw new UsageError('trace', 'CMD', "missing: give the program after '--'");
  let allocator: string | undefined;
  if (values.allocator !== undefined) {
    const parsed = knownAllocatorSchema().safeParse(values.allocator);
    if (!parsed.success) throw new UsageError('trace', '--allocator', `'${values.allocator.slice(0, 64)}' is not an allocator: one of ${allocatorNames().join(', ')}`);
    allocator = parsed.data;
  }
  const references = referenceAllocators(values['reference-allocators']);
  let command: string;
  try {
    command = resolveCommand(program, process.env['PATH']);
  } catch (err) {
    throw new UsageError('trace', 'CMD', (err as AlloctuneError).params['reason'] as string);
  }
  const dir = tracesDir(values.traces);
  const library = allocator === undefined ? undefined : resolvePreloadLibrary(allocator);
  // A missing library fails here, before the program runs, not after its recording.
  for (const a of references) resolvePreloadLibrary(a);
  let stop = (): void => undefined;
  const onSignal = (): void => stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const recorded = await recordTrace({
      name,
      dir,
      command,
      args,
      allocator,
      allocatorLibrary: library,
      followForks: values['follow-forks'],
      followExec: values['follow-exec'],
      env: process.env,
      inheritOutput: true,
      // Ctrl-C reaches the program as SIGINT, so that it can exit and the tracer write its trailer.
      onSpawn: (child) => {
        stop = () => child.kill('SIGINT');
      },
    });
    for (const p of recorded.childProblems) process.stderr.write(`alloctune trace record: warning: child trace ${p}\n`);
    let s = recorded.sidecar;
    if (references.length > 0) {
      s = await recordReferences({
        dir,
        sidecar: s,
        allocators: references,
        command,
        args,
        env: process.env,
        inheritOutput: true,
        beforeRun: (a) => void process.stderr.write(`alloctune trace record: reference run under ${a} (untraced): ${[command, ...args].join(' ').slice(0, 200)}\n`),
        onSpawn: (_a, child) => {
          stop = () => child.kill('SIGINT');
        },
      });
      for (const [a, why] of Object.entries(s.reference_problems)) process.stderr.write(`alloctune trace record: warning: no reference under ${a}: ${why}\n`);
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    } else {
      const status = s.signal !== null ? `killed by signal ${s.signal} (the trace is complete up to the signal)` : `exit status ${String(s.exit_code)}`;
      process.stderr.write(
        `recorded ${name}: ${s.trace.records} records, ${s.trace.threads} threads, ${s.trace.bytes} bytes in ${join(dir, `${name}${TRACE_FILE_SUFFIX.trace}`)}\n` +
          `  ${command}: ${status}, ${s.wall_ms.toFixed(0)} ms, peak RSS ${s.peak_rss_kb} kB` +
          (s.children.length > 0 ? `; ${s.children.length} child traces: ${s.children.map((c) => c.name).join(', ')}` : '') +
          '\n' +
          Object.entries(s.references)
            .map(([a, r]) => `  untraced under ${a}${r.version === null ? '' : ` ${r.version}`}: ${r.wall_ms.toFixed(0)} ms wall, ${(r.user_ms + r.sys_ms).toFixed(0)} ms CPU, peak RSS ${r.peak_rss_kb} kB\n`)
            .join(''),
      );
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
