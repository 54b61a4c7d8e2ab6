/** The harness worker runs and stops its two SDK workers as one (worker/harnessWorker.ts), with stand-in SDK workers. */
import type { State } from '@temporalio/worker';
import { CombinedWorkerRunError, PromiseCompletionTimeoutError } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { HarnessWorker, type SdkWorker } from '../../worker/harnessWorker';

/** An SDK worker's life in short: `run` lasts until `shutdown` (or `fail`), and `shutdown` refuses unless RUNNING, as the SDK's does. */
class FakeWorker implements SdkWorker {
  state: State = 'INITIALIZED';
  shutdowns = 0;
  private end?: (err?: Error) => void;

  getState(): State {
    return this.state;
  }

  run(): Promise<void> {
    this.state = 'RUNNING';
    return new Promise<void>((resolve, reject) => {
      this.end = (err) => {
        this.state = err ? 'FAILED' : 'STOPPED';
        if (err) reject(err);
        else resolve();
      };
    });
  }

  shutdown(): void {
    if (this.state !== 'RUNNING') throw new Error(`Not running. Current state: ${this.state}`);
    this.shutdowns++;
    this.state = 'DRAINING';
    // The SDK drains in the background: run() settles a little later.
    setImmediate(() => this.end?.());
  }

  fail(err: Error): void {
    this.end?.(err);
  }
}

function harness() {
  const shared = new FakeWorker();
  const onHost = new FakeWorker();
  return { shared, onHost, worker: new HarnessWorker(shared, onHost, { hostId: 'h1', taskQueue: 'mlebench-host-h1' }) };
}

describe('HarnessWorker', () => {
  it('runs both workers; shutdown drains both, once each, and run ends when both have stopped', async () => {
    const { shared, onHost, worker } = harness();
    const running = worker.run();
    expect([shared.state, onHost.state, worker.getState()]).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    worker.shutdown();
    await running;
    expect([shared.state, onHost.state]).toEqual(['STOPPED', 'STOPPED']);
    expect([shared.shutdowns, onHost.shutdowns]).toEqual([1, 1]);
    expect(worker.getState()).toBe('STOPPED');
  });

  it('either worker ending stops the other; a failure is what run rejects with', async () => {
    const { shared, onHost, worker } = harness();
    const running = worker.run();
    onHost.fail(new Error('host queue poller died'));
    await expect(running).rejects.toThrow('host queue poller died');
    expect(shared.state).toBe('STOPPED');
    expect(shared.shutdowns).toBe(1);

    const second = harness();
    const run2 = second.worker.run();
    second.shared.fail(new Error('shared queue poller died'));
    await expect(run2).rejects.toThrow('shared queue poller died');
    expect(second.onHost.state).toBe('STOPPED');
  });

  it('shutdown of a worker that is not running throws, as the SDK worker does', () => {
    const { worker } = harness();
    expect(() => worker.shutdown()).toThrow(/Not running/);
  });

  it('runUntil returns the value once both workers have stopped, and rethrows the inner failure', async () => {
    const { shared, onHost, worker } = harness();
    await expect(worker.runUntil(() => Promise.resolve(42))).resolves.toBe(42);
    expect([shared.state, onHost.state]).toEqual(['STOPPED', 'STOPPED']);

    const failing = harness();
    await expect(failing.worker.runUntil(Promise.reject(new Error('the group failed')))).rejects.toThrow('the group failed');
    expect([failing.shared.state, failing.onHost.state]).toEqual(['STOPPED', 'STOPPED']);
  });

  it('runUntil: a worker that stops first rejects (with the inner failure too when both failed)', async () => {
    const stopped = harness();
    const never = new Promise<number>(() => undefined);
    const pending = stopped.worker.runUntil(never);
    stopped.worker.shutdown();
    await expect(pending).rejects.toBeInstanceOf(PromiseCompletionTimeoutError);

    const both = harness();
    let rejectInner!: (err: Error) => void;
    const inner = new Promise<number>((_, reject) => (rejectInner = reject));
    const run = both.worker.runUntil(inner);
    both.onHost.fail(new Error('host queue poller died'));
    rejectInner(new Error('the group failed'));
    const err: unknown = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CombinedWorkerRunError);
    expect((err as CombinedWorkerRunError).cause).toMatchObject({
      workerError: { message: 'host queue poller died' },
      innerError: { message: 'the group failed' },
    });
  });
});
