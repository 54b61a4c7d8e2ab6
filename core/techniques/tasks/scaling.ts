/** scaling: to be written (placeholder so the registry compiles). */
import { z } from 'zod';
import type { TechniqueTaskDefinition } from '../types';

export const scaling: TechniqueTaskDefinition<unknown, unknown> = {
  id: 'scaling',
  title: '(not yet written)',
  problems: ['binary', 'multiclass', 'regression'],
  analysisSchema: z.unknown(),
  plant() {
    throw new Error('scaling: not yet written');
  },
  grade() {
    throw new Error('scaling: not yet written');
  },
};
