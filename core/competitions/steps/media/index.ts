/** Prepare steps of the text-binary, image and time-series competitions. */
import type { PrepareStep } from '../types';

export const mediaSteps: PrepareStep<unknown>[] = [];
