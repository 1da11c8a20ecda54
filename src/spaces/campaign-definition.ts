import { definitionSha256, type DefinitionSnapshot } from '../core/definition-snapshot.js';
import { InputProblemsError } from '../core/input-problems-error.js';
import type { SearchSpace, SpaceFile, SpaceOverridesInput } from '../core/search-space.js';
import { allocatorDefinition, loadRegistry } from './allocator-registry.js';
import { applyOverrides } from './apply-overrides.js';
import { definitionViewOf } from './definition-view.js';

/** A loaded definition without its `file`: what a snapshot holds and its hash covers. */
export function definitionContent(space: SearchSpace): SpaceFile {
  const { file: _file, ...content } = space;
  return content;
}

/** The snapshot of the registered definition `name`, as loaded now (ALLOCTUNE_ERR_NOT_FOUND names the known ones). */
export function registrySnapshot(name: string): DefinitionSnapshot {
  const space = allocatorDefinition(name);
  const content = definitionContent(space);
  return { source: 'registry', file: space.file, base: space.allocator, sha256: definitionSha256(content), content };
}

/**
 * The snapshot of a definition posted with a campaign: it must be a view over a definition this
 * service loads (src/spaces/definition-view.ts); otherwise one 400 lists every problem under
 * `definition.<field path>`.
 */
export function postedSnapshot(content: SpaceFile): DefinitionSnapshot {
  const outcome = definitionViewOf(content, loadRegistry().definitions);
  if (outcome.base === undefined || outcome.problems.length > 0) {
    throw new InputProblemsError(outcome.problems.map((p) => ({ path: `definition.${p.path}`, message: p.message })));
  }
  return { source: 'posted', base: outcome.base.allocator, sha256: definitionSha256(content), content };
}

/** Where a snapshot's definition came from, in words for messages (`file` of the space it yields). */
export function snapshotOrigin(snapshot: Pick<DefinitionSnapshot, 'source' | 'file' | 'sha256'>): string {
  const hash = `sha256 ${snapshot.sha256.slice(0, 16)}`;
  return snapshot.source === 'registry' && snapshot.file !== undefined ? `${snapshot.file} as snapshotted (${hash})` : `the definition posted with the campaign (${hash})`;
}

/** The search space of a snapshot with a campaign's overrides applied: never the file on disk. */
export function snapshotSpace(snapshot: DefinitionSnapshot, overrides?: SpaceOverridesInput): SearchSpace {
  const space: SearchSpace = { ...snapshot.content, file: snapshotOrigin(snapshot) };
  return overrides === undefined ? space : applyOverrides(space, overrides);
}
