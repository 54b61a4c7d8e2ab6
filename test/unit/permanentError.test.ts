/**
 * Which activity errors are retried (worker/interceptors.ts), decided by class, not by name: an
 * error thrown in an activity run through the worker's interceptor, in Temporal's mock activity
 * environment (no server).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PermanentError } from '../../core/errors';
import { UnknownCompetitionError } from '../../core/competitions';
import { activityInterceptors } from '../../worker/interceptors';

/** What an activity that throws `error` fails with, once through the interceptor. */
async function failureOf(error: Error): Promise<unknown> {
  const env = new MockActivityEnvironment({ activityType: 'prepareCompetition' }, { interceptors: [activityInterceptors] });
  try {
    await env.run(() => Promise.reject(error));
  } catch (e) {
    return e;
  }
  throw new Error('the activity did not fail');
}

class SplitOfNoCompetitionError extends PermanentError {}

describe('PermanentError', () => {
  it('makes a subclass thrown in an activity a non-retryable ApplicationFailure with its type and message', async () => {
    const failure = await failureOf(new SplitOfNoCompetitionError('splits/x.txt: no such split'));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).type).toBe('SplitOfNoCompetitionError');
    expect((failure as ApplicationFailure).message).toBe('splits/x.txt: no such split');
  });

  it('keeps the type names clients match on', async () => {
    const failure = (await failureOf(new UnknownCompetitionError('nope', ['spambase']))) as ApplicationFailure;
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('UnknownCompetitionError');
  });

  it('fails input that does not parse at once', async () => {
    const parsed = z.object({ seed: z.number() }).safeParse({ seed: 'one' });
    const failure = (await failureOf(parsed.error!)) as ApplicationFailure;
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('ZodError');
  });

  it('leaves an ordinary error retryable, even one named like a permanent one', async () => {
    const docker = new Error('connect ECONNREFUSED /var/run/docker.sock');
    expect(await failureOf(docker)).toBe(docker);
    const lookalike = Object.assign(new Error('unknown competition x'), { name: 'UnknownCompetitionError' });
    expect(await failureOf(lookalike)).toBe(lookalike);
  });
});
