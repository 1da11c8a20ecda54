import type { Sampler, SamplerDomain, SamplerKind, SamplerState } from './sampler.js';
import { GpSampler } from './samplers/gp.js';
import { RandomSampler } from './samplers/random.js';

/** Creates a sampler of `kind`; the ensemble loads TensorFlow.js on first use. */
export async function createSampler(kind: SamplerKind, domain: SamplerDomain, seed: number): Promise<Sampler> {
  switch (kind) {
    case 'random':
      return new RandomSampler(domain, seed);
    case 'gp':
      return new GpSampler(domain, seed);
    case 'ensemble': {
      const [{ EnsembleSampler }, { loadTensorflow }] = await Promise.all([import('./samplers/ensemble.js'), import('./tf-backend.js')]);
      return new EnsembleSampler(domain, seed, await loadTensorflow());
    }
  }
}

/** Rebuilds a sampler from persisted state; the next proposals equal those the original would make. */
export async function restoreSampler(domain: SamplerDomain, state: SamplerState): Promise<Sampler> {
  switch (state.kind) {
    case 'random':
      return RandomSampler.restore(domain, state);
    case 'gp':
      return GpSampler.restore(domain, state);
    case 'ensemble': {
      const [{ EnsembleSampler }, { loadTensorflow }] = await Promise.all([import('./samplers/ensemble.js'), import('./tf-backend.js')]);
      return EnsembleSampler.restore(domain, state, await loadTensorflow());
    }
  }
}
