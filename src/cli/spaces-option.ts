import { configureSpacesDirs } from '../spaces/index.js';

/** The `--spaces DIR` option (repeatable) of `serve`, `worker`, `space` and `trial`, for `parseArgs`. */
export const SPACES_OPTION = { spaces: { type: 'string', multiple: true } } as const;

/** Usage line of the option. */
export const SPACES_USAGE = '--spaces DIR  extra allocator definitions (repeatable; also ALLOCTUNE_SPACES_DIR=DIR:DIR)';

/** Registers the directories given with `--spaces` with the allocator registry. */
export function applySpacesOption(dirs: readonly string[] | undefined): void {
  if (dirs !== undefined && dirs.length > 0) configureSpacesDirs(dirs);
}
