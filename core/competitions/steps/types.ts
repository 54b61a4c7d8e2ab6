import type { z } from 'zod';

/** What a prepare step gets: where to write, its validated options, and the competition's seed. */
export interface PrepareContext<O> {
  competitionId: string;
  seed: number;
  options: O;
  /** Write train/test/sample submission here (the agent sees it). */
  publicDir: string;
  /** Write the answers here (never shown to the agent). */
  privateDir: string;
}

/**
 * One way of building a competition's files from a data source. Named in config.yaml
 * (`prepare.step`); its options are validated when the config is loaded, so a typo fails early.
 */
export interface PrepareStep<O = unknown> {
  name: string;
  options: z.ZodType<O>;
  run(ctx: PrepareContext<O>): Promise<void>;
}
