/** Prepare steps of the tabular competitions (data from Debian's R data packages). */
import type { PrepareStep } from '../types';
import { debianRTable } from './rTable';

export const tabularSteps: PrepareStep<unknown>[] = [debianRTable];
