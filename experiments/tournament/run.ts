/**
 * The allocator tournament experiment of issue #16: for each file in tournaments/ (two harness
 * workloads, each swept over 1 and 2 threads, glibc, jemalloc, mimalloc and tcmalloc each tuned),
 * start an embedded Redis, the service and one worker on this machine, run the tournament to its
 * end and dump its raw data; then regenerate report.md (report.ts).
 *
 *   node --import tsx experiments/tournament/run.ts [--out DIR] [--only NAME] [--tiny]
 *        [--cpus 0,1] [--client-cpus 0]
 *
 * --tiny: a proof run (one explore trial per child, 200 ms phases, one repeat, no distillation):
 * shows the pipeline works end to end, measures nothing worth reading.
 *
 * Writes under DIR/<name>/ (data first, every file from the service or its store):
 *   spec.json (what was posted), tournament.json (record: children, final-round trials),
 *   leaderboard.json (the derived ranking), export.json, final-results.jsonl (every stored
 *   TrialResult of the final rounds), children/<campaign id>/{campaign,leaderboard,export}.json and
 *   trials.jsonl, meta.json (host, wall time).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Redis } from 'ioredis';
import { ServiceClient } from '../../src/cli/client/service-client.js';
import type { TournamentRecord } from '../../src/core/tournament-record.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { listTrialResults } from '../../src/store/trial-result-store.js';
import { startLocalStack } from '../report-kit/local-stack.js';

const HERE = join(REPO_ROOT, 'experiments', 'tournament');
const POLL_MS = 5000;
const FINAL = new Set(['finished', 'cancelled', 'failed']);

const jsonl = (rows: readonly unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '');
const write = (file: string, value: unknown): void => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/** The proof-run version of a tournament file: the same design, the smallest budget that still runs every step. */
function tiny(spec: Record<string, unknown>): Record<string, unknown> {
  const workloads = (spec['workloads'] as { args?: Record<string, unknown> }[]).map((w) => ({ ...w, args: { ...w.args, 'duration-ms': 200 } }));
  return { ...spec, name: `${String(spec['name'])} (tiny)`, workloads, budget: { trials: 8, minutes: 10 }, repeats: 1, duel: { candidates: 1, confirm: { min_pairs: 3, max_pairs: 8 } }, distill: { enabled: false } };
}

async function dumpTournament(client: ServiceClient, redis: Redis, id: string, out: string): Promise<TournamentRecord> {
  const { tournament } = await client.json<{ tournament: TournamentRecord }>('GET', `/v1/tournaments/${id}`);
  write(join(out, 'tournament.json'), tournament);
  write(join(out, 'leaderboard.json'), await client.json('GET', `/v1/tournaments/${id}/leaderboard`));
  write(join(out, 'export.json'), await client.json('GET', `/v1/tournaments/${id}/export`));
  writeFileSync(join(out, 'final-results.jsonl'), jsonl(await listTrialResults(redis, id)));
  for (const c of tournament.children) {
    const dir = join(out, 'children', c.campaign_id);
    mkdirSync(dir, { recursive: true });
    write(join(dir, 'campaign.json'), await client.json('GET', `/v1/campaigns/${c.campaign_id}`));
    write(join(dir, 'leaderboard.json'), await client.json('GET', `/v1/campaigns/${c.campaign_id}/leaderboard`));
    const board = await client.json<{ rows: { arm: string; completed: number }[] }>('GET', `/v1/campaigns/${c.campaign_id}/leaderboard`);
    if (board.rows.some((r) => r.arm === 'baseline' && r.completed > 0)) write(join(dir, 'export.json'), await client.json('GET', `/v1/campaigns/${c.campaign_id}/export?format=json`));
    writeFileSync(join(dir, 'trials.jsonl'), jsonl((await client.json<{ trials: unknown[] }>('GET', `/v1/campaigns/${c.campaign_id}/trials`)).trials));
  }
  return tournament;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: join(HERE, 'raw') },
      only: { type: 'string' },
      tiny: { type: 'boolean', default: false },
      cpus: { type: 'string', default: availableParallelism() > 1 ? '0,1' : '0' },
      'client-cpus': { type: 'string', default: '0' },
    },
    strict: true,
  });
  const files = readdirSync(join(HERE, 'tournaments')).filter((f) => f.endsWith('.json') && (values.only === undefined || f === `${values.only}.json`)).sort();
  if (files.length === 0) {
    process.stderr.write(`no tournament file${values.only === undefined ? '' : ` named ${values.only}.json`} in ${join(HERE, 'tournaments')}\n`);
    return 2;
  }
  const stack = await startLocalStack({ name: 'tournament', cpus: values.cpus, clientCpus: values['client-cpus'] });
  const redis = stack.redis;
  try {
    const client = new ServiceClient(stack.serviceUrl, stack.token);
    for (const file of files) {
      const name = file.replace(/\.json$/, '');
      const posted = JSON.parse(readFileSync(join(HERE, 'tournaments', file), 'utf8')) as Record<string, unknown>;
      const spec = values.tiny ? tiny(posted) : posted;
      const out = join(values.out, name);
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      write(join(out, 'spec.json'), spec);
      const startedMs = Date.now();
      const { tournament } = await client.json<{ tournament: TournamentRecord }>('POST', '/v1/tournaments', spec);
      process.stderr.write(`${name}: tournament ${tournament.id} with ${tournament.children.length} children\n`);
      let record = tournament;
      while (!FINAL.has(record.state)) {
        await new Promise((r) => setTimeout(r, POLL_MS));
        record = (await client.json<{ tournament: TournamentRecord }>('GET', `/v1/tournaments/${tournament.id}`)).tournament;
        const rounds = record.rounds.map((r) => `${r.threads}t ${r.status} ${r.trials.length} trials`).join(', ');
        process.stderr.write(`${new Date().toISOString()} ${name} ${record.state}: ${rounds}\n`);
      }
      const done = await dumpTournament(client, redis, tournament.id, out);
      const wallS = (Date.now() - startedMs) / 1000;
      write(join(out, 'meta.json'), { tiny: values.tiny, wall_s: wallS, cpus: values.cpus, client_cpus: values['client-cpus'], host_cpus: cpus().length, cpu_model: cpus()[0]?.model ?? '' });
      process.stderr.write(`${name}: ${done.state} (${done.stop_reason ?? ''}) in ${wallS.toFixed(0)} s -> ${out}\n`);
    }
  } finally {
    await stack.stop();
  }
  const { writeTournamentReport } = await import('./report.js');
  writeTournamentReport(values.out, values.out === join(HERE, 'raw') ? HERE : values.out);
  return 0;
}

process.exitCode = await main();
