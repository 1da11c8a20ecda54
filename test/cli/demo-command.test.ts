import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startCli } from '../helpers/child-processes.js';
import { smallCampaign } from '../helpers/small-campaign.js';

const home = mkdtempSync(join(tmpdir(), 'alloctune-demo-'));
after(() => rmSync(home, { recursive: true, force: true }));

describe('alloctune demo', () => {
  it('brings up Redis, the service and a worker, runs the campaign to the end and prints the export', async () => {
    const file = join(home, 'campaign.json');
    writeFileSync(file, JSON.stringify(smallCampaign({ name: 'demo test', baseline: { malloc_conf: 'dirty_decay_ms:5000' } })));
    const demo = startCli(['demo', '--campaign', file, '--port', '0'], { ALLOCTUNE_HOME: home, ALLOCTUNE_TOKEN: '' });
    const outcome = await demo.proc.done;
    const out = demo.log();
    assert.equal(outcome.exitCode, 0, out);
    assert.match(out, /redis: +redis:\/\/127\.0\.0\.1:\d+ \(embedded redis-server/);
    assert.match(out, /worker: +demo-worker, targets on CPU \d+, load generators on CPU \d+/);
    assert.match(out, /finished \(/);
    // Line 1 of the export is the bare MALLOC_CONF (the baseline's, or the winner's).
    const exported = out.split('=== exported MALLOC_CONF (line 1) with its evidence ===\n')[1] ?? '';
    assert.match(exported.split('\n')[0] ?? '', /^[a-z_]+:[^ ]+$/);
    assert.match(exported, /^# verdict: /m);
    assert.match(out, /dashboard: +http:\/\/127\.0\.0\.1:\d+\/#\/campaign\/c/);
    assert.match(out, /token: +\S+ \(generated, kept in /);
  });
});
