export interface Competition {
  id: string;
  name: string;
  /** Folder of competitions/<id>/ (config.yaml, description.md, leaderboard.csv). */
  dir: string;
  descriptionPath: string;
  leaderboardPath: string;
  metric: string;
  modality: string;
}

export interface PreparedCompetition {
  id: string;
  /** `<dataDir>/<id>/prepared/public`: what the agent sees (with description.md). */
  publicDir: string;
  /** `<dataDir>/<id>/prepared/private`: answers; never mounted into a container. */
  privateDir: string;
  /** Sample submission inside publicDir. */
  sampleSubmissionPath: string;
  /** Checksum of the prepared files, stable across re-preparations. */
  checksum: string;
}
