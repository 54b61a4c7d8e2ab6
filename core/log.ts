/** Structured logs (pino, JSON lines on stderr so stdout stays for results). */
import pino from 'pino';

export const log = pino(
  { name: 'mlebench', level: process.env.MLEBENCH_LOG_LEVEL ?? 'info', base: { pid: process.pid } },
  pino.destination(2),
);
