// A harness worker for the crash tests, run as its own process from the compiled code (dist/):
//   node test/helpers/crashWorker.mjs <task-queue> [<activity>]
// With an activity name it SIGKILLs itself the moment that activity starts (no cleanup, no
// goodbye to the server: a worker dying as a machine would); without one it is a normal worker.
// The environment says which server (TEMPORAL_ADDRESS), which folders (MLEBENCH_*) and, with
// OPENAI_API_KEY/OPENAI_BASE_URL/MLEBENCH_GATEWAY_CONFIG, its LLM gateway (as `mlebench worker`).
import { writeSync } from 'node:fs';
import process from 'node:process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { connectWorker, createHarnessWorker } = require('../../dist/worker/worker.js');
const { startGatewayFromEnv } = require('../../dist/worker/gateway.js');
const { configureLog, logSettings } = require('../../dist/core/log.js');

const [taskQueue, crashAt] = process.argv.slice(2);
if (!taskQueue) throw new Error('usage: crashWorker.mjs <task-queue> [<activity>]');

/** Dies at the start of the activity `crashAt`, before the harness's own code sees it. */
const crashInterceptor = (ctx) => ({
  inbound: {
    async execute(input, next) {
      if (ctx.info.activityType === crashAt) {
        writeSync(2, `crashing in ${crashAt} (attempt ${ctx.info.attempt}, ${ctx.info.workflowExecution.workflowId})\n`);
        process.kill(process.pid, 'SIGKILL');
      }
      return next(input);
    },
  },
});

// A worker logs JSON lines, at MLEBENCH_LOG_LEVEL (as `mlebench worker`).
configureLog(logSettings(process.env, { terminal: false, fallback: 'json' }));
const connection = await connectWorker(process.env.TEMPORAL_ADDRESS);
const gateway = await startGatewayFromEnv();
const worker = await createHarnessWorker({ connection, taskQueue, gateway, activityInterceptors: crashAt ? [crashInterceptor] : [] });
writeSync(2, `worker polling "${taskQueue}"${crashAt ? `, dies in ${crashAt}` : ''}\n`);
await worker.run();
await gateway?.close();
await connection.close();
