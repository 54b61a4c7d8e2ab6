/**
 * The harness's logs (pino, on stderr so stdout stays for results). Their format and level are the
 * entry point's choice (configureLog, with logSettings): JSON lines for machines (piped, the worker),
 * quiet human-readable lines on a terminal. Until an entry point chooses: JSON at info.
 */
import pino from 'pino';
import pretty from 'pino-pretty';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogSettings {
  format: LogFormat;
  level: string;
}

const json = pino.destination({ fd: 2, sync: true });
let sink: { write(line: string): unknown } = json;

// One logger for the whole process, imported everywhere: configureLog swaps where its lines go.
export const log = pino({ name: 'mlebench', level: 'info', base: { pid: process.pid } }, { write: (line: string) => sink.write(line) });

let chosen = false;

/** Applies an entry point's choice to the process's log. */
export function configureLog(settings: LogSettings): void {
  chosen = true;
  sink =
    settings.format === 'json'
      ? json
      : pretty({ destination: 2, sync: true, colorize: true, singleLine: true, ignore: 'pid,hostname,name' });
  log.level = settings.level;
}

/** For a library (the SDK's Client): the settings, unless the process's entry point has chosen already. */
export function configureLogUnlessChosen(settings: LogSettings): void {
  if (!chosen) configureLog(settings);
}

/**
 * What an entry point chooses: the format asked for (a flag), else MLEBENCH_LOG_FORMAT, else
 * `fallback` (the worker's is JSON), else human-readable on a terminal and JSON when not; the
 * level MLEBENCH_LOG_LEVEL, else warnings and errors only for a person, info for a machine.
 */
export function logSettings(
  env: Readonly<Record<string, string | undefined>>,
  opts: { terminal: boolean; requested?: string; fallback?: LogFormat },
): LogSettings {
  const asked = opts.requested ?? env.MLEBENCH_LOG_FORMAT;
  if (asked !== undefined && !(LOG_FORMATS as readonly string[]).includes(asked))
    throw new Error(`log format "${asked}" is not one of ${LOG_FORMATS.join(', ')} (--log-format or MLEBENCH_LOG_FORMAT)`);
  const format = (asked as LogFormat | undefined) ?? opts.fallback ?? (opts.terminal ? 'pretty' : 'json');
  return { format, level: env.MLEBENCH_LOG_LEVEL ?? (format === 'pretty' ? 'warn' : 'info') };
}
