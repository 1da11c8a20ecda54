import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EXPORT_FORMATS, composeExport, type ExportFormat } from '../../api/export/export-formats.js';
import { fetchExport, type ExportParams } from '../client/fetch-export.js';
import { readToken } from '../client/read-token.js';
import { campaignStateText, type CampaignStateView } from '../client/campaign-state-text.js';
import type { ImportanceResponse } from '../../api/routes/importance-routes.js';
import { importanceTable } from '../client/importance-table.js';
import { ServiceClient } from '../client/service-client.js';
import { watchCampaign } from '../client/watch-campaign.js';
import { readJsonFile } from '../read-json-file.js';
import { UsageError } from '../usage-error.js';

const ACTIONS = ['start', 'watch', 'export', 'importance', 'list', 'cancel'] as const;

const USAGE = `usage: alloctune campaign start FILE.json [--watch]
       alloctune campaign watch ID [--poll-ms MS]
       alloctune campaign export ID [--format ${EXPORT_FORMATS.join('|')}]
                [--with-evidence | --evidence FILE]
                [--k8s-form patch|env] [--k8s-kind Deployment|StatefulSet] [--k8s-name NAME] [--k8s-container NAME]
                [--unit SYSTEMD_UNIT] [--full]
       alloctune campaign importance ID
       alloctune campaign list
       alloctune campaign cancel ID
  --full        export the winner as found, not the minimal (distilled) config
  watch         on a terminal redraws title, progress and leaderboard in place (fitted to its size);
                otherwise prints a plain log, one line per change; exit 0 when the campaign finished
  --url URL     service (default ALLOCTUNE_URL or http://127.0.0.1:7070)
  export        prints the deployable value alone on stdout (default format: the allocator's own,
                malloc_conf for jemalloc, env otherwise); the evidence goes to stderr, to
                --evidence FILE, or after the value with --with-evidence. k8s: a strategic-merge
                patch of Deployment redis, container redis, unless --k8s-* say otherwise (--k8s-form env:
                the bare env list); systemd: a drop-in for --unit (default redis-server)
  token         ALLOCTUNE_TOKEN, else the one 'alloctune serve' keeps under the state directory
`;

/** `alloctune campaign ...`: start, watch, export, importance, list and cancel campaigns of a running service. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      format: { type: 'string' },
      'with-evidence': { type: 'boolean', default: false },
      evidence: { type: 'string' },
      'k8s-form': { type: 'string' },
      'k8s-kind': { type: 'string' },
      'k8s-name': { type: 'string' },
      'k8s-container': { type: 'string' },
      unit: { type: 'string' },
      watch: { type: 'boolean', default: false },
      'poll-ms': { type: 'string', default: '1000' },
      full: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const [action, arg, extra] = positionals;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (action === undefined) throw new UsageError('campaign', 'action', `missing, one of ${ACTIONS.join(', ')}`);
  if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError('campaign', 'action', `unknown action '${action}', one of ${ACTIONS.join(', ')}`);
  if (extra !== undefined) throw new UsageError('campaign', 'arguments', `unexpected argument '${extra}'`);
  const pollMs = Number(values['poll-ms']);
  if (!Number.isInteger(pollMs) || pollMs < 50) throw new UsageError('campaign', '--poll-ms', `'${values['poll-ms']}' is not an integer >= 50`);
  const client = new ServiceClient(values.url ?? process.env['ALLOCTUNE_URL'] ?? 'http://127.0.0.1:7070', readToken());
  const needArg = (what: string): string => {
    if (arg === undefined) throw new UsageError('campaign', what, `missing (alloctune campaign ${action} ${what})`);
    return arg;
  };
  switch (action) {
    case 'start': {
      const spec = readJsonFile(needArg('FILE.json'), 'campaign file');
      const { campaign } = await client.json<{ campaign: { id: string; warnings?: { message: string }[] } }>('POST', '/v1/campaigns', spec);
      process.stdout.write(`${campaign.id}\n`);
      // Known traps go to stderr, so `id=$(alloctune campaign start f.json)` still captures the id alone.
      for (const w of campaign.warnings ?? []) process.stderr.write(`alloctune campaign: warning: ${w.message}\n`);
      if (values.watch) await watchCampaign(client, campaign.id, process.stdout, pollMs);
      return 0;
    }
    case 'watch': {
      const status = await watchCampaign(client, needArg('ID'), process.stdout, pollMs);
      return status.campaign.state === 'finished' ? 0 : 1;
    }
    case 'export': {
      const format = values.format;
      if (format !== undefined && !(EXPORT_FORMATS as readonly string[]).includes(format)) {
        throw new UsageError('campaign', '--format', `unknown format '${format}', one of ${EXPORT_FORMATS.join(', ')}`);
      }
      if (values['with-evidence'] && values.evidence !== undefined) {
        throw new UsageError('campaign', '--evidence', '--with-evidence and --evidence FILE exclude each other');
      }
      // The service checks these (a 400 names each bad one); the CLI only forwards what was given.
      const params: ExportParams = {};
      for (const flag of ['k8s-form', 'k8s-kind', 'k8s-name', 'k8s-container', 'unit'] as const) {
        const given = values[flag];
        if (given !== undefined) params[flag.replaceAll('-', '_')] = given;
      }
      if (values.full) params['variant'] = 'full';
      const parts = await fetchExport(client, needArg('ID'), format as ExportFormat | undefined, params);
      if (values['with-evidence']) {
        process.stdout.write(composeExport({ value: parts.value, evidence: parts.evidence, contentType: parts.content_type }, true));
      } else {
        process.stdout.write(parts.value);
        if (values.evidence !== undefined) writeFileSync(values.evidence, parts.evidence);
        else process.stderr.write(parts.evidence);
      }
      return 0;
    }
    case 'importance': {
      const report = await client.json<ImportanceResponse>('GET', `/v1/campaigns/${encodeURIComponent(needArg('ID'))}/importance`);
      process.stdout.write(`${importanceTable(report)}\n`);
      return 0;
    }
    case 'list': {
      const { campaigns } = await client.json<{ campaigns: (CampaignStateView & { id: string; spec: { name: string; allocator: string }; progress: { completed: number; in_flight: number } })[] }>('GET', '/v1/campaigns');
      for (const c of campaigns) {
        const counts = `${String(c.progress.completed).padStart(4)} trials, ${c.progress.in_flight} in flight`;
        process.stdout.write(`${c.id}  ${c.spec.allocator.padEnd(8)}  ${counts}  ${c.spec.name}  ${campaignStateText(c)}\n`);
      }
      return 0;
    }
    case 'cancel': {
      await client.json('POST', `/v1/campaigns/${encodeURIComponent(needArg('ID'))}/cancel`);
      return 0;
    }
    default:
      throw new UsageError('campaign', 'action', `unknown action '${action}'`);
  }
}
