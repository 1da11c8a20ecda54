import { AlloctuneError } from '../../core/alloctune-error.js';
import type { ExportEvidence } from '../../core/export-evidence.js';
import { escapeUnprintable } from '../../core/safe-text.js';
import type { SpaceEncoding } from '../../core/search-space.js';
import { deployWarnings, exportablePreload } from './deploy-warnings.js';
import { evidenceComment } from './evidence-comment.js';
import { shellQuoted, shellWord, systemdEnvironment, yamlString } from './export-quoting.js';
import type { ExportTarget } from './export-target.js';

export { yamlString } from './export-quoting.js';

/**
 * The formats `GET /v1/campaigns/:id/export?format=` and `alloctune campaign export` accept, in order
 * of preference: the first one that fits an allocator is its default.
 */
export const EXPORT_FORMATS = ['malloc_conf', 'env', 'systemd', 'malloc.conf', 'docker', 'k8s', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

type EncodingFormat = SpaceEncoding['format'];

/** Formats that carry one encoding's single string; every other format carries any environment. */
const ONLY_FOR: Partial<Record<ExportFormat, readonly EncodingFormat[]>> = {
  malloc_conf: ['malloc-conf'],
  'malloc.conf': ['malloc-conf'],
};

/** The formats that make sense for an allocator whose space uses `encoding`, preferred first. */
export function formatsFor(encoding: EncodingFormat): ExportFormat[] {
  return EXPORT_FORMATS.filter((f) => ONLY_FOR[f]?.includes(encoding) ?? true);
}

/**
 * A rendered export: the deployable `value` (what to paste or save, nothing else), the evidence and
 * deployment warnings as comment lines apart (empty for JSON, which carries them as fields), and
 * the content type of the value.
 */
export interface RenderedExport {
  value: string;
  evidence: string;
  contentType: string;
}

/** What to render: the allocator's encoding (which formats fit) and where the export goes. */
export interface RenderOptions {
  encoding: EncodingFormat;
  target: ExportTarget;
}

/** Environment to set in production: the chosen config's variables plus LD_PRELOAD when needed. */
function productionEnv(e: ExportEvidence): [string, string][] {
  const env = Object.entries(e.chosen.env).sort(([a], [b]) => a.localeCompare(b));
  const preload = exportablePreload(e);
  if (preload !== undefined) env.push(['LD_PRELOAD', preload]);
  return env;
}

const TEXT = 'text/plain; charset=utf-8';
const YAML = 'application/yaml; charset=utf-8';

function lines(list: readonly string[]): string {
  return list.map((l) => `${l}\n`).join('');
}

function k8sEnv(env: readonly [string, string][], indent: string): string[] {
  if (env.length === 0) return [`${indent}env: []`];
  return [`${indent}env:`, ...env.flatMap(([k, v]) => [`${indent}  - name: ${yamlString(k)}`, `${indent}    value: ${yamlString(v)}`])];
}

/**
 * A strategic-merge patch of the workload's pod template: `containers` and `env` merge by `name`,
 * so the patch adds or replaces these variables in that container and leaves the rest alone.
 */
function k8sPatch(env: readonly [string, string][], k8s: ExportTarget['k8s']): string[] {
  return [
    `# kubectl patch ${k8s.kind.toLowerCase()} ${k8s.name} --type strategic --patch-file alloctune-patch.yaml`,
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    `        - name: ${yamlString(k8s.container)}`,
    ...k8sEnv(env, '          '),
  ];
}

function renderValue(format: Exclude<ExportFormat, 'json'>, e: ExportEvidence, env: readonly [string, string][], target: ExportTarget): string {
  const mallocConf = e.chosen.env['MALLOC_CONF'] ?? '';
  switch (format) {
    case 'malloc_conf':
      return `${mallocConf}\n`;
    case 'env':
      return lines(env.map(([k, v]) => `${k}=${shellWord(v)}`));
    case 'systemd': {
      const unit = target.systemdUnit;
      return lines([
        `# Drop-in for ${unit}: save as /etc/systemd/system/${unit}.d/alloctune.conf, then run`,
        `#   systemctl daemon-reload && systemctl restart ${unit}`,
        '[Service]',
        ...env.map(([k, v]) => systemdEnvironment(k, v)),
      ]);
    }
    case 'malloc.conf':
      return lines([
        '#!/bin/sh',
        "# jemalloc reads the target name of the /etc/malloc.conf symlink (system-wide; MALLOC_CONF in a",
        "# process's environment still wins per key). Run as root; an argument links another path instead.",
        'set -eu',
        mallocConf === '' ? '# The allocator defaults won: nothing to link.' : `ln -sfn ${shellQuoted(mallocConf)} "\${1:-/etc/malloc.conf}"`,
      ]);
    case 'docker':
      return lines(env.map(([k, v]) => `ENV ${k}=${shellWord(v)}`));
    case 'k8s':
      return lines(target.k8s.form === 'patch' ? k8sPatch(env, target.k8s) : k8sEnv(env, ''));
  }
}

/** Throw ALLOCTUNE_ERR_INVALID_INPUT (400) naming the fitting formats unless `format` fits `encoding`. */
export function assertFormatFits(format: ExportFormat, allocator: string, encoding: EncodingFormat): void {
  const fitting = formatsFor(encoding);
  if (!fitting.includes(format)) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', {
      field: 'format',
      reason: `${format} does not fit ${allocator} (its search space encodes ${encoding}); formats that fit: ${fitting.join(', ')}`,
    });
  }
}

/**
 * Render one export format. A format that does not fit the allocator's encoding (a MALLOC_CONF
 * string for mimalloc) is an ALLOCTUNE_ERR_INVALID_INPUT naming the formats that do.
 */
export function renderExport(format: ExportFormat, e: ExportEvidence, options: RenderOptions): RenderedExport {
  assertFormatFits(format, e.allocator, options.encoding);
  const warnings = deployWarnings(e, options.encoding);
  if (format === 'json') {
    return { value: `${JSON.stringify({ ...e, deploy_warnings: warnings }, null, 2)}\n`, evidence: '', contentType: 'application/json; charset=utf-8' };
  }
  const evidence = `${evidenceComment(e)}\n${warnings.map((w) => `# warning: ${escapeUnprintable(w)}`).join('\n')}\n`;
  return { value: renderValue(format, e, productionEnv(e), options.target), evidence, contentType: format === 'k8s' ? YAML : TEXT };
}

/** The value alone, or the value followed by its evidence comments (`with_evidence`). */
export function composeExport(r: RenderedExport, withEvidence: boolean): string {
  return withEvidence && r.evidence !== '' ? `${r.value}${r.evidence}` : r.value;
}
