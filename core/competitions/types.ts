import type { CompetitionConfig } from './config';

export interface Competition {
  id: string;
  name: string;
  /** Folder of competitions/<id>/ (config.yaml, description.md, leaderboard.csv). */
  dir: string;
  descriptionPath: string;
  leaderboardPath: string;
  metric: string;
  modality: string;
  /** In MLE-bench's Lite list (low complexity); every bundled offline competition is. */
  lite?: boolean;
  /** The validated config.yaml (data paths, source, prepare step and seed). */
  config: CompetitionConfig;
}

export interface PreparedCompetition {
  id: string;
  /** `<dataDir>/<id>/prepared/public`: what the agent sees (with description.md). */
  publicDir: string;
  /** `<dataDir>/<id>/prepared/private`: answers; never mounted into a container. */
  privateDir: string;
  /** Sample submission inside publicDir. */
  sampleSubmissionPath: string;
  /** Answers inside privateDir. */
  answersPath: string;
  /** Checksum of the prepared files, stable across re-preparations. */
  checksum: string;
}
