import fc from 'fast-check';

/**
 * Property tests run with one fixed seed, so a run on CI is reproducible; FC_SEED explores others
 * (fast-check prints the seed of any failure). Tests that pass their own seed keep it.
 */
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261127) });
