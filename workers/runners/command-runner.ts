import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlloctuneError } from '../../src/core/alloctune-error.js';
import { RunstatSchema } from '../../src/core/runstat-result.js';
import type { WorkloadSpec } from '../../src/core/trial-job.js';
import type { WorkloadMeasurement } from '../../src/core/trial-result.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { findAllocatorComplaints } from '../../src/harness/allocator-complaints.js';
import { nativeTool } from '../../src/proc/repo-paths.js';
import { parseCpuList } from '../../src/sys/cpu-list.js';
import { diffCpuStat, pickCpus, sampleCpuStat, stealPctOn } from '../../src/sys/cpu-stat.js';
import type { CommandMetric, CommandSpec } from '../worker-config.js';
import { abortedError } from './aborted-error.js';
import { checkRecordedIdentity, withIdentityRecorder } from './serving-identity-file.js';
import type { RunContext, WorkloadRunner } from './workload-runner.js';

const SIGNAL_NAMES: Record<number, string> = { 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

function readJsonPath(doc: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
}

/** Read the configured metric from a command's output; throws BAD_OUTPUT when it is not there. */
export function extractMetric(metric: CommandMetric, stdout: string, stderr: string, target: string): number {
  const text = metric.source === 'stderr' ? stderr : stdout;
  let value: unknown;
  if (metric.json_path !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new AlloctuneError('ALLOCTUNE_ERR_BAD_OUTPUT', { target, reason: `${metric.source} is not one JSON document` });
    }
    value = readJsonPath(doc, metric.json_path);
  } else {
    value = new RegExp(metric.regex ?? '', 'm').exec(text)?.[1];
  }
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new AlloctuneError('ALLOCTUNE_ERR_BAD_OUTPUT', { target, reason: `metric ${metric.name} not found (${metric.json_path ?? metric.regex})` });
  }
  return number;
}

/**
 * Runs a command allow-listed in the worker's config file, pinned to the worker's CPUs by
 * `native/build/runstat`, which also reports the command's rusage (wall, user, sys, max RSS).
 * Which library served malloc() in each of its processes is recorded by the preloaded identity
 * recorder and must be the allocator under test (ALLOCTUNE_ERR_WRONG_ALLOCATOR otherwise).
 */
export class CommandRunner implements WorkloadRunner<'command'> {
  readonly kind = 'command' as const;

  constructor(
    private readonly commands: Readonly<Record<string, CommandSpec>>,
    private readonly allocatorVersions: Readonly<Record<string, string>> = {},
  ) {}

  async run(spec: Extract<WorkloadSpec, { kind: 'command' }>, ctx: RunContext): Promise<WorkloadMeasurement> {
    const target = `command:${spec.name}`;
    const command = this.commands[spec.name];
    if (!command) throw new AlloctuneError('ALLOCTUNE_ERR_NOT_FOUND', { what: 'allow-listed command', id: spec.name });
    if (ctx.signal?.aborted) throw abortedError(ctx, target);
    const dir = await mkdtemp(join(tmpdir(), 'alloctune-cmd-'));
    try {
      const docFile = join(dir, 'runstat.json');
      const timeoutMs = Math.min(command.timeout_ms, ctx.phaseTimeoutMs);
      const cpus = parseCpuList(ctx.cpus);
      const before = sampleCpuStat();
      const recorded = withIdentityRecorder({ ...command.env, ...ctx.env }, dir, ctx.definition);
      const outcome = await runGuarded(nativeTool('runstat'), ['--cpus', ctx.cpus, '--out', docFile, '--', ...command.argv], {
        env: recorded.env,
        cwd: command.cwd ?? dir,
        timeoutMs,
        // runstat and the command share its process group: the abort kills both.
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      const load = diffCpuStat(before, sampleCpuStat());
      if (ctx.signal?.aborted) throw abortedError(ctx, target);
      if (outcome.timedOut) throw new AlloctuneError('ALLOCTUNE_ERR_TIMEOUT', { target, timeout_ms: timeoutMs });
      if (outcome.spawnError !== undefined) throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `runstat: ${outcome.spawnError}` });
      // The allocator's own words beat a bare exit status: abort_conf:true ends in SIGABRT right after them.
      const complaint = findAllocatorComplaints(outcome.stderr, ctx.definition.complaints)[0];
      if (complaint !== undefined) throw new AlloctuneError('ALLOCTUNE_ERR_ALLOCATOR_REJECTED', { line: complaint.slice(0, 300) });
      if (outcome.exitCode !== 0) {
        throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `runstat exited with ${outcome.exitCode ?? outcome.signal}: ${lastLine(outcome.stderr)}` });
      }
      const doc = RunstatSchema.parse(JSON.parse(await readFile(docFile, 'utf8')));
      // Checked before the exit status: a command run by the wrong allocator measured nothing of the one under test.
      const servedBy = await checkRecordedIdentity(recorded.file, ctx.allocator, ctx.definition, target);
      if (doc.signal !== null) {
        throw new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', { target, reason: `killed by ${SIGNAL_NAMES[doc.signal] ?? `signal ${doc.signal}`}: ${lastLine(outcome.stderr)}` });
      }
      if (doc.exit_code !== 0) {
        throw new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', { target, reason: `exited with status ${doc.exit_code}: ${lastLine(outcome.stderr)}` });
      }
      const metrics: Record<string, number> = {
        wall_ms: doc.wall_ms,
        user_ms: doc.user_ms,
        sys_ms: doc.sys_ms,
        max_rss_bytes: doc.max_rss_bytes,
        minor_faults: doc.minor_faults,
        major_faults: doc.major_faults,
        involuntary_ctx: doc.involuntary_ctx,
      };
      if (command.metric) metrics[command.metric.name] = extractMetric(command.metric, outcome.stdout, outcome.stderr, target);
      return {
        label: spec.label ?? target,
        kind: 'command',
        metrics,
        steal_pct: stealPctOn(load, cpus),
        cpu_busy_pct: pickCpus(load.cpu_busy_pct, cpus),
        allocator: { name: ctx.allocator, version: this.allocatorVersions[ctx.allocator] ?? 'unknown', options: {}, path: servedBy },
        duration_ms: outcome.durationMs,
        details: { argv0: command.argv[0], exit_code: doc.exit_code },
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
