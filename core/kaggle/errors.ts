/**
 * What can go wrong getting a competition's data from Kaggle, each with a message that says what
 * to do: all but KaggleDownloadError are the user's to fix, not to retry. Only `mlebench prepare`
 * downloads (no activity does), so none is a PermanentError (core/errors.ts) yet.
 */

/** Where a user gets an API token (Kaggle: Settings → API → Create New Token, which downloads kaggle.json). */
export const KAGGLE_TOKEN_HELP =
  'create an API token at https://www.kaggle.com/settings (section "API", "Create New Token"), which downloads kaggle.json';

export function kaggleRulesUrl(competitionId: string): string {
  return `https://www.kaggle.com/competitions/${competitionId}/rules`;
}

/** Base of all Kaggle errors: the competition it concerns, when there is one. */
export class KaggleError extends Error {
  override readonly name: string = 'KaggleError';
  constructor(
    message: string,
    readonly competitionId?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** No credentials anywhere, or a kaggle.json that cannot be used. */
export class KaggleCredentialsError extends KaggleError {
  override readonly name: string = 'KaggleCredentialsError';
}

/** Kaggle answered 401: the username and key do not match an account. */
export class KaggleAuthError extends KaggleError {
  override readonly name: string = 'KaggleAuthError';
}

/** Kaggle answered 403: the account has not accepted the competition's rules (or may not download its data). */
export class KaggleRulesNotAcceptedError extends KaggleError {
  override readonly name: string = 'KaggleRulesNotAcceptedError';
  constructor(
    competitionId: string,
    readonly username: string,
    readonly kaggleMessage: string | undefined,
  ) {
    super(
      `Kaggle refused to give "${competitionId}"'s data to the account "${username}" (403 Forbidden${kaggleMessage ? `: ${kaggleMessage.replace(/\.$/, '')}` : ''}). ` +
        `You must accept the competition's rules first: open ${kaggleRulesUrl(competitionId)} signed in as "${username}", ` +
        'click "Join Competition" (or "Late Submission") and accept the rules, then run the same command again. ' +
        '(Kaggle also asks some accounts to verify a phone number before downloading.)',
      competitionId,
    );
  }
}

/** Kaggle answered 404: no competition by that id. */
export class KaggleCompetitionNotFoundError extends KaggleError {
  override readonly name: string = 'KaggleCompetitionNotFoundError';
  constructor(competitionId: string, url: string) {
    super(
      `Kaggle has no competition "${competitionId}" (404 Not Found for ${url}); check the id against https://www.kaggle.com/competitions/${competitionId}`,
      competitionId,
    );
  }
}

/** The zip is damaged or is not what Kaggle announced; it has been deleted. */
export class KaggleCorruptZipError extends KaggleError {
  override readonly name: string = 'KaggleCorruptZipError';
  constructor(
    competitionId: string,
    readonly zipPath: string,
    readonly reason: string,
  ) {
    super(
      `the zip of "${competitionId}" is corrupt (${reason}); it was removed (${zipPath}) and will be downloaded again the next time it is needed (run the same command again)`,
      competitionId,
    );
  }
}

/**
 * The download did not finish after every retry (server errors, rate limits, dropped connections).
 * What arrived is kept in the .part file and the next attempt resumes from there.
 */
export class KaggleDownloadError extends KaggleError {
  override readonly name: string = 'KaggleDownloadError';
}

/** A zip entry that would land outside the folder, a link or a device: refused, nothing extracted. */
export class UnsafeZipError extends KaggleError {
  override readonly name: string = 'UnsafeZipError';
}
