/** Per test file: the harness's own logs at warn, and the Temporal SDK's runtime quiet. */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { useEnvironment } from '../core/config';
import { configureLog } from '../core/log';

process.env.MLEBENCH_LOG_LEVEL ??= 'warn';
// Each test file's process is an entry point: core/ sees its environment through this (core/config.ts).
useEnvironment(process.env);
configureLog({ format: 'json', level: process.env.MLEBENCH_LOG_LEVEL ?? 'warn' });
Runtime.install({ logger: new DefaultLogger('WARN') });
