/** Prepare steps by name: config.yaml's `prepare.step` picks one. */
import { sotuAuthorship } from './sotuAuthorship';
import { tabularSteps } from './tabular';
import { mediaSteps } from './media';
import { synthetic } from './synthetic';
import type { PrepareStep } from './types';

export type { PrepareContext, PrepareStep } from './types';

// Each step validates its own options, so the registry can hold them without their option types.
const steps: Record<string, PrepareStep<unknown>> = Object.fromEntries(
  [sotuAuthorship as PrepareStep<unknown>, ...tabularSteps, ...mediaSteps, synthetic as PrepareStep<unknown>].map((step) => [
    step.name,
    step,
  ]),
);

export const PREPARE_STEP_NAMES: readonly string[] = Object.keys(steps);

export function getPrepareStep(name: string): PrepareStep<unknown> | undefined {
  return steps[name];
}
