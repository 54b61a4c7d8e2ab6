/** missing: to be written (placeholder so the registry compiles). */
import { z } from 'zod';
import type { TechniqueTaskDefinition } from '../types';

export const missing: TechniqueTaskDefinition<unknown, unknown> = {
  id: 'missing',
  title: '(not yet written)',
  problems: ['binary', 'multiclass', 'regression'],
  analysisSchema: z.unknown(),
  plant() {
    throw new Error('missing: not yet written');
  },
  grade() {
    throw new Error('missing: not yet written');
  },
};
