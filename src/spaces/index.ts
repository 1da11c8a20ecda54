// Public API of the search spaces: load a space, check/complete configs, encode them into the
// environment a process starts with, parse existing settings, and embed configs for the optimizer.
export { debianLibraryPath } from './debian-libraries.js';
export {
  SPACES_DIR,
  SPACES_DIR_VARIABLE,
  allocatorDefinition,
  allocatorNames,
  configureSpacesDirs,
  knownAllocatorSchema,
  loadRegistry,
  spacesDirs,
  withKnownAllocator,
  type AllocatorRegistry,
  type SpaceFileProblem,
} from './allocator-registry.js';
export { listSpaces, loadSpace, type SpaceSummary } from './load-space.js';
export { loadSpaceFile } from './load-space-file.js';
export { identifyServing, identitySymbols, servedBy, servingMismatch, type ServingObject } from './serving-identity.js';
export { applyOverrides } from './apply-overrides.js';
export { completeConfig, defaultConfig, isParameterActive, validateConfig } from './config-validation.js';
export { configError, type ConfigRule } from './config-error.js';
export { encodeConfig, encodeEnv, withForcedKnobs, type EncodeOptions, type EncodedConfig } from './encode-config.js';
export { parseConfigText, parseEnvConfig, parseEnvText, parseGlibcTunables, parseMallocConf } from './parse-config-text.js';
export { checkSharedObject, resolvePreloadLibrary, type PreloadOptions } from './preload-library.js';
export { allocatorEnvProblems, allocatorVariables, type EnvProblem } from './allocator-env.js';
export { INACTIVE_COORDINATE, createEmbedding, type Embedding } from './embedding.js';
export { sampleConfig } from './sample-config.js';
export { formatValue, parseValueText } from './value-text.js';
export { describeDomain as describeParameterDomain } from '../core/search-space.js';
export type { AllocatorName } from '../core/allocator-name.js';
export type { Parameter, SearchSpace, SpaceOverrides, SpaceOverridesInput } from '../core/search-space.js';
export { definitionContent, postedSnapshot, registrySnapshot, snapshotOrigin, snapshotSpace } from './campaign-definition.js';
export { definitionViewOf, envVariableProblem, type ViewOutcome } from './definition-view.js';
