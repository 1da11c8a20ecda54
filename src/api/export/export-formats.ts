import type { ExportEvidence } from '../../core/export-evidence.js';
import { evidenceComment } from './evidence-comment.js';

/** The formats `GET /v1/campaigns/:id/export?format=` and `alloctune campaign export` accept. */
export const EXPORT_FORMATS = ['malloc_conf', 'env', 'systemd', 'malloc.conf', 'docker', 'k8s', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A rendered export: body and the content type to serve it with. */
export interface RenderedExport {
  body: string;
  contentType: string;
}

/** Environment to set in production: the chosen config's variables plus LD_PRELOAD when needed. */
function productionEnv(e: ExportEvidence): [string, string][] {
  const env = Object.entries(e.chosen.env).sort(([a], [b]) => a.localeCompare(b));
  if (e.preload !== undefined) env.push(['LD_PRELOAD', e.preload]);
  return env;
}

/**
 * A double-quoted YAML scalar with everything outside printable ASCII escaped (`\uXXXX`,
 * `\UXXXXXXXX`): YAML 1.1 readers break lines at U+0085, U+2028 and U+2029, which JSON leaves raw.
 */
export function yamlString(value: string): string {
  const escaped = [...value].map((ch) => {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') return `\\${ch}`;
    if (code >= 0x20 && code < 0x7f) return ch;
    return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\U${code.toString(16).padStart(8, '0')}`;
  });
  return `"${escaped.join('')}"`;
}

const TEXT = 'text/plain; charset=utf-8';

/** Render one export format. Values were validated against the safe alphabet at campaign creation. */
export function renderExport(format: ExportFormat, e: ExportEvidence): RenderedExport {
  const env = productionEnv(e);
  const comment = evidenceComment(e);
  switch (format) {
    case 'malloc_conf': {
      // The bare string on the first line (`head -n1`), evidence after it as comments.
      const value = e.chosen.env['MALLOC_CONF'] ?? '';
      return { body: `${value}\n${comment}\n`, contentType: TEXT };
    }
    case 'env':
      return { body: `${comment}\n${env.map(([k, v]) => `${k}=${v}`).join('\n')}\n`, contentType: TEXT };
    case 'systemd':
      return {
        body:
          `${comment}\n# Save as /etc/systemd/system/redis-server.service.d/alloctune.conf, then:\n` +
          `#   systemctl daemon-reload && systemctl restart redis-server\n[Service]\n` +
          `${env.map(([k, v]) => `Environment=${k}=${v}`).join('\n')}\n`,
        contentType: TEXT,
      };
    case 'malloc.conf': {
      const value = e.chosen.env['MALLOC_CONF'] ?? '';
      return {
        body:
          `#!/bin/sh\n${comment}\n# jemalloc reads the target name of the /etc/malloc.conf symlink (system-wide;\n` +
          `# MALLOC_CONF in a process's environment still wins per key).\nln -sfn '${value}' /etc/malloc.conf\n`,
        contentType: TEXT,
      };
    }
    case 'docker':
      return { body: `${comment}\n${env.map(([k, v]) => `ENV ${k}=${v}`).join('\n')}\n`, contentType: TEXT };
    case 'k8s':
      return {
        body:
          env.length === 0
            ? `${comment}\nenv: []\n`
            : `${comment}\nenv:\n${env.map(([k, v]) => `  - name: ${k}\n    value: ${yamlString(v)}`).join('\n')}\n`,
        contentType: 'application/yaml; charset=utf-8',
      };
    case 'json':
      return { body: `${JSON.stringify(e, null, 2)}\n`, contentType: 'application/json; charset=utf-8' };
  }
}
