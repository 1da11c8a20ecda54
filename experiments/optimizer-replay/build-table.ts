/**
 * Measures one replay table with the real harness (see table-presets.ts for the designs).
 * Run: npx tsx experiments/optimizer-replay/build-table.ts <preset>   (machine otherwise idle)
 */
import { buildTable } from './table-builder.js';
import { TABLE_PRESETS } from './table-presets.js';

const name = process.argv[2] ?? '';
const preset = TABLE_PRESETS[name];
if (!preset) {
  process.stderr.write(`usage: build-table.ts <preset>\npresets: ${Object.keys(TABLE_PRESETS).join(', ')}\n`);
  process.exit(2);
}
const table = await buildTable(preset, (line) => process.stderr.write(`${line}\n`));
process.stdout.write(`${table.rows.length} rows written to ${preset.out}\n`);
