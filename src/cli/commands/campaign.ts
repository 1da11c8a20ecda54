import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EXPORT_FORMATS, type ExportFormat } from '../../api/export/export-formats.js';
import { stateDir } from '../../proc/repo-paths.js';
import { ServiceClient } from '../client/service-client.js';
import { watchCampaign } from '../client/watch-campaign.js';

const USAGE = `usage: alloctune campaign start FILE.json [--watch]
       alloctune campaign watch ID
       alloctune campaign export ID [--format ${EXPORT_FORMATS.join('|')}]
       alloctune campaign list
       alloctune campaign cancel ID
  --url URL     service (default ALLOCTUNE_URL or http://127.0.0.1:7070)
  token         ALLOCTUNE_TOKEN, else the one 'alloctune serve' keeps under the state directory
`;

function readToken(): string | undefined {
  const env = process.env['ALLOCTUNE_TOKEN'];
  if (env) return env;
  const file = join(stateDir(), 'token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** `alloctune campaign ...`: start, watch, export, list and cancel campaigns of a running service. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      format: { type: 'string', default: 'malloc_conf' },
      watch: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const [action, arg] = positionals;
  if (values.help || action === undefined) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const client = new ServiceClient(values.url ?? process.env['ALLOCTUNE_URL'] ?? 'http://127.0.0.1:7070', readToken());
  const needArg = (what: string): string => {
    if (arg === undefined) throw Object.assign(new Error(`${action} needs ${what}`), { usage: true });
    return arg;
  };
  try {
    switch (action) {
      case 'start': {
        const spec = JSON.parse(readFileSync(needArg('a campaign file'), 'utf8')) as unknown;
        const { campaign } = await client.json<{ campaign: { id: string } }>('POST', '/v1/campaigns', spec);
        process.stdout.write(`${campaign.id}\n`);
        if (values.watch) await watchCampaign(client, campaign.id);
        return 0;
      }
      case 'watch': {
        const status = await watchCampaign(client, needArg('a campaign id'));
        return status.campaign.state === 'finished' ? 0 : 1;
      }
      case 'export': {
        if (!(EXPORT_FORMATS as readonly string[]).includes(values.format)) {
          process.stderr.write(`alloctune campaign: unknown format '${values.format}'\n${USAGE}`);
          return 2;
        }
        const format = values.format as ExportFormat;
        process.stdout.write(await client.text(`/v1/campaigns/${encodeURIComponent(needArg('a campaign id'))}/export?format=${encodeURIComponent(format)}`));
        return 0;
      }
      case 'list': {
        const { campaigns } = await client.json<{ campaigns: { id: string; state: string; spec: { name: string; allocator: string }; progress: { completed: number } }[] }>('GET', '/v1/campaigns');
        for (const c of campaigns) process.stdout.write(`${c.id}  ${c.state.padEnd(9)}  ${c.spec.allocator.padEnd(8)}  ${String(c.progress.completed).padStart(4)} trials  ${c.spec.name}\n`);
        return 0;
      }
      case 'cancel': {
        await client.json('POST', `/v1/campaigns/${encodeURIComponent(needArg('a campaign id'))}/cancel`);
        return 0;
      }
      default:
        process.stderr.write(`alloctune campaign: unknown action '${action}'\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof Error && 'usage' in err) {
      process.stderr.write(`alloctune campaign: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}
