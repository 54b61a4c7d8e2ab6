/** Structured logs (pino, JSON lines on stderr so stdout stays for results). The level is the process's MLEBENCH_LOG_LEVEL, set by useEnvironment (core/config.ts). */
import pino from 'pino';

export const log = pino({ name: 'mlebench', level: 'info', base: { pid: process.pid } }, pino.destination(2));
