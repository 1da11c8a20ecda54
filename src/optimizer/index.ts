// The optimizer's public surface: what the service, the CLI and experiments import.
export type { Sampler, SamplerDomain, SamplerKind, SamplerState, SuggestContext, Suggestion } from './sampler.js';
export { createSampler, restoreSampler } from './create-sampler.js';
export { isFeasible, minimisedObjective, toUpperBound } from './problem.js';
export { BradleyTerry, type Rating } from './duel/bradley-terry.js';
export { planDuel, planDuelRound, pairMeasurements, type DuelPlan, type DuelSlot } from './duel/duel-schedule.js';
export { judgeClaims, type ClaimVerdict, type PairedClaim, type VerdictOptions } from './duel/paired-verdict.js';
export { recordPairs } from './duel/score-pairs.js';
export { defaultMinRelativeEffect } from './duel/practical-threshold.js';
export { wilcoxonSignedRank, type Alternative, type PairedTestResult } from './duel/wilcoxon-signed-rank.js';
export { signTest } from './duel/sign-test.js';
export { holmAdjust } from './duel/holm.js';
export { DEFAULT_STOPPING_RULE, shouldStop, type CampaignProgress, type StopDecision, type StopReason, type StoppingRule } from './stopping.js';
export { paretoFront, type ParetoAxis, type ParetoItem } from './pareto.js';
export { runReplayBenchmark, type ReplayBenchmarkResult } from './replay/replay-benchmark.js';
