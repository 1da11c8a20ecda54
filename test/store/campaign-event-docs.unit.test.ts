import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CAMPAIGN_EVENT_DOCS, CAMPAIGN_EVENT_TYPES, campaignEventTable } from '../../src/store/campaign-events.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';

describe('campaign event documentation', () => {
  it('documents exactly the event types there are', () => {
    assert.deepEqual(Object.keys(CAMPAIGN_EVENT_DOCS).sort(), [...CAMPAIGN_EVENT_TYPES].sort());
    for (const type of CAMPAIGN_EVENT_TYPES) assert.ok(CAMPAIGN_EVENT_DOCS[type].meaning.length > 10, type);
  });

  it("the README's event table is the generated one, a row per type", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const match = /<!-- campaign-events:start -->\n([\s\S]*?)\n<!-- campaign-events:end -->/.exec(readme);
    assert.ok(match, 'README.md has no campaign-events markers');
    const expected = campaignEventTable();
    assert.equal(match[1], expected, `README.md's event table is stale; between the campaign-events markers it should read:\n${expected}`);
    for (const type of CAMPAIGN_EVENT_TYPES) assert.ok(expected.includes(`| \`${type}\` |`), type);
  });
});
