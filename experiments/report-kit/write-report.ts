import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A rendered plot and where it goes, relative to the report's folder. */
export interface PlotFile {
  file: string;
  png: Buffer;
}

/** Write `report.md` and its plots under `outDir` (folders created as needed). */
export function writeReport(outDir: string, markdown: string, plots: readonly PlotFile[], reportName = 'report.md'): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, reportName), markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  for (const p of plots) {
    const path = join(outDir, p.file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, p.png);
  }
}
