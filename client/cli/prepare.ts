/** `mlebench prepare`: the data step, without Temporal. */
import { Command } from 'commander';
import { listCompetitions, prepareCompetition } from '../../core/competitions';
import { harnessPaths } from '../../core/config';

export function prepareCommand(): Command {
  return new Command('prepare')
    .description('prepare competitions into the data dir (cached; verifies checksums)')
    .option('-c, --competitions <ids>', 'comma-separated ids (default: all)')
    .option('--force', 're-prepare even when prepared')
    .action(async (flags: { competitions?: string; force?: boolean }) => {
      const { dataDir } = harnessPaths();
      const ids = flags.competitions ? flags.competitions.split(',').map((s) => s.trim()) : (await listCompetitions()).map((c) => c.id);
      for (const id of ids) {
        const started = Date.now();
        const prepared = await prepareCompetition(id, { dataDir, force: flags.force });
        process.stdout.write(`${id}: prepared in ${((Date.now() - started) / 1000).toFixed(1)} s → ${prepared.publicDir}\n`);
      }
    });
}
