import type { Config } from '../core/config.js';
import type { SearchSpace } from '../core/search-space.js';
import type { SeededRng } from '../core/seeded-rng.js';
import { createEmbedding } from './embedding.js';

/**
 * A random valid config: uniform in the embedding, i.e. log-uniform for log-scaled knobs and
 * uniform over choices. Same seed, same configs.
 */
export function sampleConfig(space: SearchSpace, rng: SeededRng): Config {
  const embedding = createEmbedding(space);
  return embedding.fromVector(Array.from({ length: embedding.dimension }, () => rng.next()));
}
