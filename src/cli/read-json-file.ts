import { readFileSync } from 'node:fs';
import { AlloctuneError } from '../core/alloctune-error.js';
import { jsonErrorOffset, lineColumn } from './json-error-position.js';

/**
 * The JSON document in `file`. A missing or unreadable file, or bad JSON, is an INVALID_INPUT error
 * naming `field` (the option or argument), the file and, for bad JSON, the line and column.
 */
export function readJsonFile(file: string, field: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason: `${file}: ${reason}` });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const offset = jsonErrorOffset(text) ?? text.length;
    const { line, column } = lineColumn(text, offset);
    // V8 quotes the text around the error and may give the offset; line:column says both better.
    const detail = (err as Error).message.replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason: `${file}:${line}:${column}: not valid JSON (${detail})` });
  }
}
