/** `mlebench images [--mode auto|dockerfile|offline]`: builds the base and agent images (skips those up to date). */
import { Command, Option } from 'commander';
import { BASE_BUILD_MODES, buildImages, type BaseBuildMode } from '../../core/sandbox/images';

export function imagesCommand(): Command {
  return new Command('images')
    .description('build the base image and every agent image; an image whose content-addressed tag exists is skipped')
    .addOption(
      new Option(
        '--mode <mode>',
        'how to build the base root filesystem: from images/Dockerfile (needs an image registry), offline from Debian packages (mmdebstrap), or auto',
      )
        .choices(BASE_BUILD_MODES)
        .default('auto'),
    )
    .action(async (flags: { mode: BaseBuildMode }) => {
      const started = Date.now();
      const result = await buildImages({ mode: flags.mode, onLog: (line) => process.stdout.write(`${line}\n`) });
      const built = [result.base, ...result.agents].filter((r) => r.built).length;
      process.stdout.write(
        `images: ${built} built, ${1 + result.agents.length - built} up to date (${((Date.now() - started) / 1000).toFixed(1)}s)\n`,
      );
    });
}
