/**
 * A harness worker is two SDK workers run and stopped as one: the shared queue's (the workflows
 * and every activity, `claimHost` among them) and its Docker host's queue's (the agent step, whose
 * container lives on this host). Either one ending stops the other, so a worker never polls one
 * queue without the other. Graceful shutdown is the SDK's, per worker: on SIGINT/SIGTERM the
 * runtime drains both, and running agent steps end WORKER_SHUTDOWN, their containers left running
 * for the next worker to re-attach to.
 */
import { CombinedWorkerRunError, PromiseCompletionTimeoutError, type State, type Worker } from '@temporalio/worker';
import type { HostIdentity } from '../activities/host';

/** What this object needs of an SDK worker. */
export type SdkWorker = Pick<Worker, 'run' | 'shutdown' | 'getState'>;

export class HarnessWorker {
  constructor(
    private readonly shared: SdkWorker,
    private readonly onHost: SdkWorker,
    /** The Docker host this worker serves (its queue is `onHost`'s). */
    readonly host: HostIdentity,
    /** Background work that lives as long as the worker (the periodic reaper, worker/reaper.ts). */
    private readonly background?: { stop(): void },
  ) {}

  /** The shared queue's worker's state: RUNNING while the harness worker serves runs. */
  getState(): State {
    return this.shared.getState();
  }

  /** Polls both queues; ends when both have stopped, rejecting with the first failure. */
  async run(): Promise<void> {
    const ended = await Promise.allSettled([
      this.shared.run().finally(() => stopIfRunning(this.onHost)),
      this.onHost.run().finally(() => stopIfRunning(this.shared)),
    ]);
    this.background?.stop();
    const failed = ended.find((e): e is PromiseRejectedResult => e.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Starts a graceful shutdown of both (the SDK's: it throws when the shared worker is not running). */
  shutdown(): void {
    this.background?.stop();
    stopIfRunning(this.onHost);
    this.shared.shutdown();
  }

  /**
   * Runs until `fnOrPromise` settles, then shuts down and returns its value (the SDK Worker's
   * `runUntil`, for both): a worker failure rejects, with the inner one too when both failed; a
   * worker that stops before the promise settles rejects with PromiseCompletionTimeoutError.
   */
  async runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R> {
    const running = this.run();
    let inner: PromiseSettledResult<R> | undefined;
    void (async () => {
      try {
        inner = { status: 'fulfilled', value: await (typeof fnOrPromise === 'function' ? fnOrPromise() : fnOrPromise) };
      } catch (reason) {
        inner = { status: 'rejected', reason };
      } finally {
        if (this.getState() === 'RUNNING') this.shutdown();
      }
    })();
    let workerError: unknown;
    let workerFailed = false;
    try {
      await running;
    } catch (err) {
      workerError = err;
      workerFailed = true;
    }
    inner ??= { status: 'rejected', reason: new PromiseCompletionTimeoutError('the promise did not settle before the worker stopped') };
    if (!workerFailed) {
      if (inner.status === 'fulfilled') return inner.value;
      throw inner.reason;
    }
    if (inner.status === 'fulfilled') throw workerError;
    throw new CombinedWorkerRunError('the worker failed in runUntil, and so did the promise', {
      cause: { workerError, innerError: inner.reason },
    });
  }
}

function stopIfRunning(worker: SdkWorker): void {
  if (worker.getState() === 'RUNNING') worker.shutdown();
}
