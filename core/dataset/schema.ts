/**
 * The dataset's three tables, keyed by run id: their columns once, with DuckDB types (what the
 * export writes to parquet and jsonl, and what `mlebench query` sees) and what each column holds
 * (the dataset card and docs/datasets.md say the same). Nested values (messages, criteria) are
 * JSON columns: parquet strings with the JSON logical type.
 */

/** Bumped when a column is renamed, removed or changes meaning (adding one is compatible). */
export const DATASET_SCHEMA_VERSION = 1;

export const TABLE_NAMES = ['runs', 'llm_calls', 'files'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export interface Column {
  name: string;
  type: 'VARCHAR' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMPTZ' | 'JSON';
  about: string;
}

const col = (name: string, type: Column['type'], about: string): Column => ({ name, type, about });

export const TABLES: Record<TableName, readonly Column[]> = {
  runs: [
    col('run_id', 'VARCHAR', 'the run: <group>/<competition or task/competition>/seed-<n>'),
    col('group_id', 'VARCHAR', 'its run group'),
    col('kind', 'VARCHAR', 'competition or technique'),
    col('agent_id', 'VARCHAR', 'the agent id as run (aide/dev)'),
    col('agent', 'VARCHAR', 'the agent name (aide)'),
    col('variant', 'VARCHAR', 'its variant (dev), null for the default'),
    col('competition_id', 'VARCHAR', 'the competition'),
    col('seed', 'BIGINT', 'the seed'),
    col('task', 'VARCHAR', 'technique runs: the technique task'),
    col('arm', 'VARCHAR', 'experiment runs: the arm (plain, injected); null outside experiments'),
    col('context_source', 'VARCHAR', 'the context the agent was shown (--context): its source; null when none'),
    col('context_text', 'VARCHAR', 'the context text itself (redacted like every column); null when none'),
    col('outcome', 'VARCHAR', 'succeeded, agent_failed, agent_timeout, invalid_submission, infra_error, cancelled'),
    col('reason', 'VARCHAR', 'why the outcome is not succeeded'),
    col('score', 'DOUBLE', "the competition metric's score; a technique run's 0..1 grade; null when not graded"),
    col('valid_submission', 'BOOLEAN', 'the submission was valid (null when not graded)'),
    col('medal', 'VARCHAR', 'gold, silver, bronze or null'),
    col('above_median', 'BOOLEAN', 'competition runs: above the leaderboard median'),
    col(
      'normalized_score',
      'DOUBLE',
      'competition runs: 0 = the sample submission, 1 = the best leaderboard entry, clipped (docs/metrics.md)',
    ),
    col('is_lower_better', 'BOOLEAN', "competition runs: the metric's direction"),
    col('technique_grade', 'DOUBLE', "technique runs: the task's 0..1 grade"),
    col('technique_criteria', 'JSON', 'technique runs: each criterion with its weight, score and detail'),
    col('started_at', 'TIMESTAMPTZ', 'when the run started (use it for "over the last month")'),
    col('finished_at', 'TIMESTAMPTZ', 'when it ended'),
    col('agent_secs', 'DOUBLE', "the agent container's working seconds"),
    col('exit_code', 'BIGINT', "the agent container's exit code (null when stopped by the harness)"),
    col('timed_out', 'BOOLEAN', 'the agent hit its time limit'),
    col('llm_requests', 'BIGINT', 'LLM agents: calls admitted by the gateway'),
    col('llm_refused', 'BIGINT', 'LLM agents: calls refused before forwarding'),
    col('llm_prompt_tokens', 'BIGINT', 'LLM agents: prompt tokens'),
    col('llm_completion_tokens', 'BIGINT', 'LLM agents: completion tokens'),
    col('llm_total_tokens', 'BIGINT', 'LLM agents: total tokens'),
    col('llm_cost_usd', 'DOUBLE', 'LLM agents: dollars (unpriced calls count 0)'),
    col('llm_budget_exhausted', 'VARCHAR', 'LLM agents: the budget that ran out (tokens, requests, dollars)'),
    col('host', 'VARCHAR', 'the Docker host whose container the result comes from'),
    col('attempts', 'BIGINT', 'containers started: 1 + agent retries + host restarts'),
    col('agent_retries', 'BIGINT', 'fresh containers after one was killed from outside'),
    col('host_restarts', 'BIGINT', "fresh starts on another host after the run's host died"),
  ],
  llm_calls: [
    col('run_id', 'VARCHAR', 'the run that made the call'),
    col('group_id', 'VARCHAR', 'its run group'),
    col('seq', 'BIGINT', 'the line number in the rollout (0-based): the call order'),
    col('ts', 'TIMESTAMPTZ', 'when the gateway wrote the line'),
    col('model_alias', 'VARCHAR', 'the model the agent asked for (an alias of the gateway config)'),
    col('upstream_model', 'VARCHAR', 'the model the upstream answered with'),
    col('messages', 'JSON', "the request's messages (null when the rollout kept only the head of the request: see request)"),
    col('request', 'JSON', 'the request the agent sent, or {truncated, bytes, head} past the rollout body cap'),
    col('response', 'JSON', "the upstream's answer (null when refused or failed)"),
    col('response_text', 'VARCHAR', "the first choice's message content"),
    col('request_truncated', 'BOOLEAN', 'the rollout kept only the head of the request'),
    col('response_truncated', 'BOOLEAN', 'the rollout kept only the head of the response'),
    col('prompt_tokens', 'BIGINT', 'usage: prompt tokens'),
    col('completion_tokens', 'BIGINT', 'usage: completion tokens'),
    col('total_tokens', 'BIGINT', 'usage: total tokens'),
    col('cost_usd', 'DOUBLE', "the call's price (null when the model has no price)"),
    col('latency_ms', 'DOUBLE', 'milliseconds from request to answer'),
    col('admitted', 'BOOLEAN', 'the call passed the budget check'),
    col('refused', 'BOOLEAN', 'the gateway or upstream answered an error'),
    col('error_status', 'BIGINT', "the error's HTTP status"),
    col('error_type', 'VARCHAR', "the error's type"),
    col('error_message', 'VARCHAR', "the error's message"),
    col('budget_exhausted', 'VARCHAR', 'set on the refusal that found a budget used up'),
    col('attempts', 'BIGINT', 'upstream tries for this call'),
  ],
  files: [
    col('run_id', 'VARCHAR', 'the run whose folder holds the file'),
    col('group_id', 'VARCHAR', 'its run group'),
    col('path', 'VARCHAR', "relative to the run folder (code/…, logs/…, a technique run's submission/<task>_analysis.json)"),
    col('size', 'BIGINT', "the file's size in bytes"),
    col('text', 'VARCHAR', 'its text (UTF-8), at most the per-file cap, redacted'),
    col('truncated', 'BOOLEAN', 'the text is the head of the file only (per-file or per-run cap)'),
  ],
};

/** One row of a table: column name to a JSON value. */
export type Row = Record<string, unknown>;
export type Tables = Record<TableName, Row[]>;

/** Appends rows one by one: a spread of a big rollout's rows would overflow the call stack. */
export function appendRows(into: Row[], rows: readonly Row[]): void {
  for (const row of rows) into.push(row);
}

/** Every table of `from` appended to the same table of `into`. */
export function appendTables(into: Tables, from: Tables): void {
  for (const t of TABLE_NAMES) appendRows(into[t], from[t]);
}
