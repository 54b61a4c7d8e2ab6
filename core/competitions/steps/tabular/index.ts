/** Prepare steps of the tabular competitions (data from Debian's R data packages). */
import type { PrepareStep } from '../types';

export const tabularSteps: PrepareStep<unknown>[] = [];
