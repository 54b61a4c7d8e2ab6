/**
 * Which competitions come from the MLE-bench checkout: those it lists that are not bundled (a
 * bundled competition of the same id wins, so a checkout never changes what an offline run does).
 */
import { listCompetitionIds, type RegistryOptions } from '../competitions/registry';
import { findMleBenchCompetition, type MleBenchCompetition } from './checkout';

export async function mleBenchCompetitionFor(
  id: string,
  options: RegistryOptions & { checkout?: string } = {},
): Promise<MleBenchCompetition | undefined> {
  if ((await listCompetitionIds(options)).includes(id)) return undefined;
  return findMleBenchCompetition(id, { checkout: options.checkout });
}
