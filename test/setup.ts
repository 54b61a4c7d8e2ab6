/** Per test file: the harness's own logs at warn, and the Temporal SDK's runtime quiet. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

process.env.MLEBENCH_LOG_LEVEL ??= 'warn';
Runtime.install({ logger: new DefaultLogger('WARN') });
