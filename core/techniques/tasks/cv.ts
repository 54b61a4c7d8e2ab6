/** cv: to be written (placeholder so the registry compiles). */
import { z } from 'zod';
import type { TechniqueTaskDefinition } from '../types';

export const cv: TechniqueTaskDefinition<unknown, unknown> = {
  id: 'cv',
  title: '(not yet written)',
  problems: ['binary', 'multiclass', 'regression'],
  analysisSchema: z.unknown(),
  plant() {
    throw new Error('cv: not yet written');
  },
  grade() {
    throw new Error('cv: not yet written');
  },
};
