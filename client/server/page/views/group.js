// Page 2, `/groups/<id>`: one run group — its progress, its runs (the plan merged with the records
// written so far, so a running group shows each run's live phase), the leaderboard and LLM totals,
// the score charts and the technique grades. Polled while the group is live.
/* global document */
import { api, competitions, groupApi } from '../lib/api.js';
import { breadcrumbs, externalLink, facts, fill, h, navLink } from '../lib/dom.js';
import { fmtCost, fmtDuration, fmtInt, fmtScore, fmtTokensShort, secondsBetween, time } from '../lib/format.js';
import { LIVE } from '../lib/live.js';
import { experimentHref, runHref } from '../lib/routes.js';
import { badge, medalBadge, phaseBadge, statusBadge } from './badges.js';
import { scoreCharts } from './chart.js';
import { techniqueSection } from './technique.js';

/** The group's runs: the plan's (with live phases) merged with the run.json records written so far. */
function groupRuns(status, summary) {
  const records = new Map((summary?.runs ?? []).map((r) => [r.runId, r]));
  const planned =
    status.runs && status.runs.length > 0
      ? status.runs
      : (summary?.runs ?? []).map((r) => ({
          run_id: r.runId,
          competition_id: r.competitionId,
          task: r.task ?? null,
          seed: r.seed,
          phase: 'done',
        }));
  return planned.map((p) => {
    const record = records.get(p.run_id) ?? null;
    return {
      runId: p.run_id,
      competitionId: p.competition_id,
      // A closed group's progress may leave the task out: the record has it.
      task: p.task ?? record?.task ?? null,
      seed: p.seed,
      phase: record ? 'done' : p.phase,
      outcome: record?.outcome ?? p.outcome ?? null,
      score: record ? record.score : (p.score ?? null),
      medal: record ? record.medal : (p.medal ?? null),
      record,
    };
  });
}

export async function groupPage(view, root, { groupId }) {
  document.title = `${groupId} · MLE-bench Redux`;
  const head = h('div');
  const body = h('div');
  root.replaceChildren(
    h('div', { class: 'wrap' }, breadcrumbs(navLink('/', 'Run groups'), h('span', { class: 'mono' }, groupId)), head, body),
  );
  const names = await competitions();
  await view.live(
    async () => {
      const [status, summary] = await Promise.all([api(groupApi(groupId)), api(`${groupApi(groupId)}/summary`).catch(() => null)]);
      return { status, summary, live: LIVE.has(status.status) };
    },
    ({ status, summary }) => {
      view.destroyCharts();
      const runs = groupRuns(status, summary);
      head.replaceChildren(groupHeader(status, summary, runs));
      body.replaceChildren(...groupBody(view, groupId, status, summary, runs, names));
    },
  );
}

function groupHeader(status, summary, runs) {
  const p = status.progress;
  const done = p ? p.done : runs.filter((r) => r.phase === 'done').length;
  const total = p ? p.total : runs.length;
  // A failed group: its root cause and what to do (the API's error and hint), not only that it failed.
  const error = summary?.error ?? status.error ?? (status.status === 'failed' ? `the group ${status.detail ?? 'failed'}` : null);
  const hint = summary?.hint ?? status.hint ?? null;
  return h(
    'header',
    { class: 'page-head' },
    h('h1', { class: 'mono' }, status.run_id),
    h(
      'div',
      { class: 'head-meta' },
      statusBadge(status.status),
      h('span', {}, 'agent ', h('strong', {}, status.agent_id ?? '—')),
      h('span', {}, 'created ', time(status.created_at)),
      status.finished_at ? h('span', {}, 'finished ', time(status.finished_at)) : null,
      status.finished_at ? h('span', {}, 'took ', fmtDuration(secondsBetween(status.created_at, status.finished_at))) : null,
      externalLink(status.web_ui, 'Temporal Web UI'),
      runs.some((r) => r.record?.arm) ? navLink(experimentHref(status.run_id), 'Experiment effect →') : null,
    ),
    h(
      'div',
      { class: 'progress-line', 'data-progress': `${done}/${total}` },
      h(
        'div',
        { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': done },
        fill(total ? (100 * done) / total : 0),
      ),
      h(
        'span',
        { class: 'small' },
        `${done} of ${total} runs done`,
        p && p.running ? ` · ${p.running} running` : '',
        p ? ` · ${p.medals} medal${p.medals === 1 ? '' : 's'}` : '',
      ),
    ),
    error
      ? h(
          'div',
          { class: 'callout error', role: 'alert' },
          h('div', { 'data-failure': 'cause' }, error),
          hint ? h('div', { 'data-failure': 'hint' }, h('strong', {}, 'What to do: '), hint) : null,
        )
      : null,
    status.run_group_dir ? h('p', { class: 'small muted' }, 'folder ', h('code', {}, status.run_group_dir)) : null,
  );
}

function groupBody(view, groupId, status, summary, runs, names) {
  const out = [];
  const hasLlm = runs.some((r) => r.record?.llm);
  out.push(h('section', { class: 'block' }, h('h2', {}, 'Runs'), runsTable(groupId, runs, hasLlm)));

  const totals = [];
  if (summary?.grading_report) totals.push(gradingTotals(summary.grading_report));
  if (summary?.llm_totals) totals.push(llmTotalsCard(summary.llm_totals));
  if (totals.length) out.push(h('div', { class: 'cards' }, totals));

  const charted = runs.filter((r) => r.record?.grade && typeof r.record.grade.gold_threshold === 'number');
  if (charted.length) out.push(scoreCharts(view, charted, names));

  const technique = runs.filter((r) => r.task);
  if (technique.length || summary?.technique_grades) out.push(techniqueSection(groupId, technique, summary?.technique_grades ?? null));
  return out;
}

function runsTable(groupId, runs, hasLlm) {
  if (runs.length === 0) return h('div', { class: 'empty' }, 'No runs planned yet.');
  const hasMedals = runs.some((r) => !r.task); // technique runs are graded 0..1, without a leaderboard
  const heads = [
    'Run',
    'Seed',
    'Outcome',
    hasMedals ? 'Score' : 'Grade',
    ...(hasMedals ? ['Normalized', 'Medal'] : []),
    'Agent time',
    ...(hasLlm ? ['LLM tokens', 'LLM cost'] : []),
  ];
  const rows = runs.map((r) => {
    const rec = r.record;
    const llm = rec?.llm;
    const outcome = r.outcome ? badge('outcome', r.outcome) : phaseBadge(r.phase);
    return h(
      'tr',
      { 'data-run': r.runId, class: r.outcome ? '' : 'in-progress' },
      h(
        'td',
        { 'data-label': 'Run' },
        navLink(runHref(groupId, r.runId), r.task ? h('span', { class: 'task-tag' }, r.task) : null, r.competitionId),
      ),
      h('td', { 'data-label': 'Seed', class: 'num' }, String(r.seed)),
      h(
        'td',
        { 'data-label': 'Outcome', 'data-outcome': r.outcome ?? '' },
        outcome,
        rec?.reason ? h('div', { class: 'reason' }, rec.reason) : null,
      ),
      h('td', { 'data-label': hasMedals ? 'Score' : 'Grade', class: 'num', 'data-score': r.score ?? '' }, fmtScore(r.score)),
      // 0 = the sample submission, 1 = the leaderboard's best (docs/metrics.md); none for a technique run.
      hasMedals
        ? h(
            'td',
            { 'data-label': 'Normalized', class: 'num', 'data-normalized': rec?.grade?.normalized_score ?? '' },
            fmtScore(rec?.grade?.normalized_score ?? null),
          )
        : null,
      hasMedals ? h('td', { 'data-label': 'Medal' }, r.task ? h('span', { class: 'muted' }, 'n/a') : medalBadge(r.medal)) : null,
      h('td', { 'data-label': 'Agent time', class: 'num' }, fmtDuration(rec?.timings?.agentSecs)),
      hasLlm
        ? h(
            'td',
            {
              'data-label': 'LLM tokens',
              class: 'num',
              title: llm ? `${fmtInt(llm.totalTokens)} tokens in ${llm.requests} requests` : null,
            },
            llm ? fmtTokensShort(llm.totalTokens) : '—',
          )
        : null,
      hasLlm
        ? h(
            'td',
            { 'data-label': 'LLM cost', class: 'num', 'data-cost': '' },
            llm ? fmtCost(llm.costUsd, llm.unpricedRequests) : '—',
            llm?.budgetExhausted ? h('div', { class: 'reason' }, `${llm.budgetExhausted} budget ran out`) : null,
          )
        : null,
    );
  });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table stack', id: 'runs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          heads.map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

function gradingTotals(report) {
  return h(
    'section',
    { class: 'card', id: 'grading-totals' },
    h('h3', {}, 'Leaderboard results'),
    h(
      'div',
      { class: 'medal-counts' },
      ['gold', 'silver', 'bronze'].map((m) =>
        h('div', { class: `medal-count medal-${m}` }, h('strong', {}, String(report[`total_${m}_medals`] ?? 0)), h('span', {}, m)),
      ),
    ),
    facts([
      ['runs', fmtInt(report.total_runs)],
      ['with a submission', fmtInt(report.total_runs_with_submissions)],
      ['valid submissions', fmtInt(report.total_valid_submissions)],
      ['above median', fmtInt(report.total_above_median)],
    ]),
  );
}

function llmTotalsCard(t) {
  return h(
    'section',
    { class: 'card', id: 'llm-totals' },
    h('h3', {}, 'LLM use'),
    h('div', { class: 'big-number' }, h('strong', { 'data-llm-tokens': t.totalTokens }, fmtInt(t.totalTokens)), h('span', {}, ' tokens')),
    facts([
      ['requests', fmtInt(t.requests)],
      ['prompt', fmtInt(t.promptTokens)],
      ['completion', fmtInt(t.completionTokens)],
      ['cost', h('span', { 'data-llm-cost': '' }, fmtCost(t.costUsd, t.unpricedRequests))],
      ['runs', fmtInt(t.runs)],
      t.budgetExhausted ? ['budget ran out', `${t.budgetExhausted} run${t.budgetExhausted === 1 ? '' : 's'}`] : [null, null],
    ]),
  );
}
