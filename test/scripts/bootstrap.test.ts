import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';

const BOOTSTRAP = join(REPO_ROOT, 'scripts', 'bootstrap.mjs');

describe('bootstrap', () => {
  it('is a no-op when everything is in place', () => {
    // npm test ran the bootstrap just before the suite, so everything is in place now.
    const run = spawnSync(process.execPath, [BOOTSTRAP], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /debian packages present/);
    assert.match(run.stdout, /node_modules up to date/);
    assert.doesNotMatch(run.stdout, /npm ci|installing/);
    // A second run behaves the same: idempotent.
    const again = spawnSync(process.execPath, [BOOTSTRAP], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, run.stdout);
  });

  it('prints the exact apt-get line and fails when not root and a package is missing', (t) => {
    // uid 65534 cannot read a checkout under a 0700 directory (root's home, `mktemp -d`), so it runs
    // a byte-identical copy of the script from a directory every user may traverse and read.
    const dir = mkdtempSync(join(tmpdir(), 'alloctune-bootstrap-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'scripts'), { mode: 0o755 });
    const copy = join(dir, 'scripts', 'bootstrap.mjs');
    copyFileSync(BOOTSTRAP, copy);
    chmodSync(copy, 0o644);
    assert.deepEqual(readFileSync(copy), readFileSync(BOOTSTRAP));
    // The bootstrap reads each shipped allocator definition's Debian package.
    mkdirSync(join(dir, 'search-spaces'), { mode: 0o755 });
    for (const f of readdirSync(join(REPO_ROOT, 'search-spaces')).filter((n) => n.endsWith('.json'))) {
      copyFileSync(join(REPO_ROOT, 'search-spaces', f), join(dir, 'search-spaces', f));
      chmodSync(join(dir, 'search-spaces', f), 0o644);
    }
    const run = spawnSync(process.execPath, [copy], {
      cwd: dir,
      encoding: 'utf8',
      uid: 65534,
      gid: 65534,
      env: { PATH: process.env['PATH'] ?? '', ALLOCTUNE_BOOTSTRAP_EXTRA_PACKAGES: 'alloctune-no-such-package' },
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /missing Debian packages: alloctune-no-such-package/);
    assert.match(run.stderr, /apt-get update && apt-get install -y --no-install-recommends alloctune-no-such-package$/m);
  });
});
