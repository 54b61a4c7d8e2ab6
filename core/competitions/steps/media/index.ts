/** Prepare steps of the text-binary, image and time-series competitions. */
import type { PrepareStep } from '../types';
import { fashionMnist } from './fashionMnist';
import { spamAssassin } from './spamAssassin';
import { usBirths } from './usBirths';

export const mediaSteps: PrepareStep<unknown>[] = [spamAssassin, fashionMnist, usBirths].map((s) => s as PrepareStep<unknown>);
