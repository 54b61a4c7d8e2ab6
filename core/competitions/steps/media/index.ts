/** Prepare steps of the text-binary, image and time-series competitions. */
import type { PrepareStep } from '../types';
import { spamAssassin } from './spamAssassin';
import { usBirths } from './usBirths';

export const mediaSteps: PrepareStep<unknown>[] = [spamAssassin, usBirths].map((s) => s as PrepareStep<unknown>);
