/** imbalance: to be written (placeholder so the registry compiles). */
import { z } from 'zod';
import type { TechniqueTaskDefinition } from '../types';

export const imbalance: TechniqueTaskDefinition<unknown, unknown> = {
  id: 'imbalance',
  title: '(not yet written)',
  problems: ['binary', 'multiclass', 'regression'],
  analysisSchema: z.unknown(),
  plant() {
    throw new Error('imbalance: not yet written');
  },
  grade() {
    throw new Error('imbalance: not yet written');
  },
};
