/** encoding: to be written (placeholder so the registry compiles). */
import { z } from 'zod';
import type { TechniqueTaskDefinition } from '../types';

export const encoding: TechniqueTaskDefinition<unknown, unknown> = {
  id: 'encoding',
  title: '(not yet written)',
  problems: ['binary', 'multiclass', 'regression'],
  analysisSchema: z.unknown(),
  plant() {
    throw new Error('encoding: not yet written');
  },
  grade() {
    throw new Error('encoding: not yet written');
  },
};
