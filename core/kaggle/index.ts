/**
 * Kaggle: credentials, the competition zip's download (resumable, verified), its safe extraction,
 * where a competition's data stands, and a batch's preparation from it (prepareCompetitionBatch).
 */
export { DEFAULT_KAGGLE_API_URL, kaggleApiUrl, listCompetitionFiles, type KaggleFile } from './api';
export { describeKaggleCredentials, kaggleJsonPath, loadKaggleCredentials, type KaggleCredentials } from './credentials';
export {
  competitionZipPaths,
  DEFAULT_RETRY,
  downloadCompetitionZip,
  type DownloadEvent,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
  type RetryPolicy,
} from './download';
export {
  KaggleAuthError,
  KaggleCompetitionNotFoundError,
  KaggleCorruptZipError,
  KaggleCredentialsError,
  KaggleDownloadError,
  KaggleError,
  KaggleRulesNotAcceptedError,
  kaggleRulesUrl,
  UnsafeZipError,
} from './errors';
export { extractZip, type ExtractProgress, type ExtractResult } from './extract';
export {
  ensureRawData,
  estimateKaggleDisk,
  humanBytes,
  kaggleDataState,
  PREPARED_EXPANSION,
  whyKaggleState,
  type DiskNeed,
  type KaggleDataState,
} from './status';
export { prepareCompetitionBatch, type PrepareBatchOptions, type PrepareBatchResult, type PrepareEvent } from './prepare';
export { inspectZip, type ZipInventory } from './zip';
