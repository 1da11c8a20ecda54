import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { AlloctuneError } from '../core/alloctune-error.js';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The absolute path of `command` as execvp would find it (a name with a slash is taken as a path). */
export function resolveCommand(command: string, pathVariable: string | undefined): string {
  const found = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(command)].filter(executable)[0]
    : (pathVariable ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, command)).find(executable);
  if (found === undefined) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'CMD', reason: `'${command.slice(0, 200)}' is not an executable file${command.includes('/') ? '' : ' on PATH'}` });
  }
  return found;
}
