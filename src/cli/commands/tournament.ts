import { parseArgs } from 'node:util';
import type { TournamentRecord } from '../../core/tournament-record.js';
import type { TournamentView } from '../../core/tournament-view.js';
import { readToken } from '../client/read-token.js';
import { ServiceClient } from '../client/service-client.js';
import { tournamentText } from '../client/tournament-text.js';
import { readJsonFile } from '../read-json-file.js';
import { UsageError } from '../usage-error.js';

const ACTIONS = ['start', 'watch', 'show', 'export', 'list', 'cancel'] as const;

const USAGE = `usage: alloctune tournament start FILE.json [--watch]
       alloctune tournament watch ID [--poll-ms MS]
       alloctune tournament show ID
       alloctune tournament export ID
       alloctune tournament list
       alloctune tournament cancel ID
  FILE.json     a campaign spec with "allocators": [...] instead of "allocator" (optional
                "threads": [1, 2, 4], "baseline_allocator", "budget_split", "spaces")
  watch         one line per change of the children and final rounds; exit 0 when finished
  show          the ranking per thread count: allocator and config, paired improvement over the
                baseline with its interval and verdict, and what switching is worth against tuning
  export        the JSON export: winner per thread count, with the evidence
  --url URL     service (default ALLOCTUNE_URL or http://127.0.0.1:7070)
  token         ALLOCTUNE_TOKEN, else the one 'alloctune serve' keeps under the state directory
`;

/** One line of where a tournament stands: its state, each child's and each round's. */
function progressLine(t: TournamentRecord, childStates: readonly string[]): string {
  const rounds = t.rounds.map((r) => `${r.threads === null ? 'round' : `${r.threads}t`} ${r.status}${r.status === 'running' ? ` ${r.trials.filter((x) => x.state !== 'queued').length}/${r.trials.length} on ${[...new Set(r.block_workers)].join('+') || '-'}` : ''}`);
  return `${t.state}: children ${childStates.join(' ')}; ${rounds.join(', ')}`;
}

const FINAL = new Set(['finished', 'cancelled', 'failed']);

async function watch(client: ServiceClient, id: string, pollMs: number): Promise<TournamentRecord> {
  let last = '';
  for (;;) {
    const { tournament } = await client.json<{ tournament: TournamentRecord }>('GET', `/v1/tournaments/${encodeURIComponent(id)}`);
    const states = await Promise.all(tournament.children.map(async (c) => (await client.json<{ campaign: { state: string } }>('GET', `/v1/campaigns/${c.campaign_id}`)).campaign.state));
    const line = progressLine(tournament, tournament.children.map((c, i) => `${c.allocator}${c.threads === null ? '' : `@${c.threads}`}=${states[i]}`));
    if (line !== last) process.stdout.write(`${line}\n`);
    last = line;
    if (FINAL.has(tournament.state)) {
      process.stdout.write(tournamentText(await client.json<TournamentView>('GET', `/v1/tournaments/${encodeURIComponent(id)}/leaderboard`)));
      return tournament;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** `alloctune tournament ...`: start, watch, show, export, list and cancel allocator tournaments. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { url: { type: 'string' }, watch: { type: 'boolean', default: false }, 'poll-ms': { type: 'string', default: '1000' }, help: { type: 'boolean', default: false } },
    strict: true,
  });
  const [action, arg, extra] = positionals;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (action === undefined) throw new UsageError('tournament', 'action', `missing, one of ${ACTIONS.join(', ')}`);
  if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError('tournament', 'action', `unknown action '${action}', one of ${ACTIONS.join(', ')}`);
  if (extra !== undefined) throw new UsageError('tournament', 'arguments', `unexpected argument '${extra}'`);
  const pollMs = Number(values['poll-ms']);
  if (!Number.isInteger(pollMs) || pollMs < 50) throw new UsageError('tournament', '--poll-ms', `'${values['poll-ms']}' is not an integer >= 50`);
  const client = new ServiceClient(values.url ?? process.env['ALLOCTUNE_URL'] ?? 'http://127.0.0.1:7070', readToken());
  const needArg = (what: string): string => {
    if (arg === undefined) throw new UsageError('tournament', what, `missing (alloctune tournament ${action} ${what})`);
    return encodeURIComponent(arg);
  };
  switch (action) {
    case 'start': {
      if (arg === undefined) throw new UsageError('tournament', 'FILE.json', 'missing (alloctune tournament start FILE.json)');
      const { tournament } = await client.json<{ tournament: TournamentRecord }>('POST', '/v1/tournaments', readJsonFile(arg, 'tournament file'));
      process.stdout.write(`${tournament.id}\n`);
      if (values.watch) return (await watch(client, tournament.id, pollMs)).state === 'finished' ? 0 : 1;
      return 0;
    }
    case 'watch':
      return (await watch(client, needArg('ID'), pollMs)).state === 'finished' ? 0 : 1;
    case 'show':
      process.stdout.write(tournamentText(await client.json<TournamentView>('GET', `/v1/tournaments/${needArg('ID')}/leaderboard`)));
      return 0;
    case 'export':
      process.stdout.write(`${JSON.stringify(await client.json('GET', `/v1/tournaments/${needArg('ID')}/export`), null, 2)}\n`);
      return 0;
    case 'list': {
      const { tournaments } = await client.json<{ tournaments: TournamentRecord[] }>('GET', '/v1/tournaments');
      for (const t of tournaments) process.stdout.write(`${t.id}  ${t.state.padEnd(10)}  ${t.spec.allocators.join(',')}${t.spec.threads ? ` @ ${t.spec.threads.join(',')} threads` : ''}  ${t.spec.name}\n`);
      return 0;
    }
    case 'cancel':
      await client.json('POST', `/v1/tournaments/${needArg('ID')}/cancel`);
      return 0;
    default:
      throw new UsageError('tournament', 'action', `unknown action '${action}'`);
  }
}
