// Page 3, `/groups/<id>/runs/<run id>`: one run — its phase or outcome, its record (result,
// container, LLM use, grade or technique grade), its artifacts and its LLM transcript. A run has
// no endpoint of its own: the page reads its group's status, summary and artifact listing and
// picks the run out of them, polled while the group is live.
/* global document */
import { ApiError, api, competitions, groupApi } from '../lib/api.js';
import { breadcrumbs, card, facts, h, navLink } from '../lib/dom.js';
import { fmtCost, fmtDuration, fmtInt, fmtScore, secondsBetween, time } from '../lib/format.js';
import { LIVE } from '../lib/live.js';
import { groupHref } from '../lib/routes.js';
import { artifactsSection } from './artifacts.js';
import { badge, medalBadge, phaseBadge, statusBadge } from './badges.js';
import { runScoreChart } from './chart.js';
import { techniqueGradeSection } from './technique.js';
import { Transcript } from './transcript.js';

/** The run's folder relative to the group's (`spambase_seed-1`), from its record or its files. */
function runFolder(record, groupDir, files) {
  if (record?.runDir && groupDir) {
    const dir = record.runDir.replace(/\\/g, '/');
    const base = groupDir.replace(/\\/g, '/').replace(/\/+$/, '');
    if (dir.startsWith(`${base}/`)) return dir.slice(base.length + 1);
  }
  const first = files.find((f) => f.path.includes('/'));
  return first ? first.path.slice(0, first.path.indexOf('/')) : null;
}

const runLabel = (run) => (run.task ? `${run.task} · ${run.competitionId}` : run.competitionId);

export async function runPage(view, root, { groupId, runId }) {
  document.title = `${runId} · MLE-bench Redux`;
  const crumbs = breadcrumbs(
    navLink('/', 'Run groups'),
    navLink(groupHref(groupId), h('span', { class: 'mono' }, groupId)),
    h('span', { class: 'mono' }, runId.startsWith(`${groupId}/`) ? runId.slice(groupId.length + 1) : runId),
  );
  const head = h('div');
  const record = h('div');
  const artifacts = h('div');
  const transcript = new Transcript(groupId);
  root.replaceChildren(h('div', { class: 'wrap' }, crumbs, head, record, artifacts, transcript.root));
  const names = await competitions();
  await view.live(
    async () => {
      const [status, summary, listing] = await Promise.all([
        api(groupApi(groupId)),
        api(`${groupApi(groupId)}/summary`).catch(() => null),
        api(`${groupApi(groupId)}/artifacts`).catch(() => null),
      ]);
      const planned = (status.runs ?? []).find((r) => r.run_id === runId) ?? null;
      const rec = (summary?.runs ?? []).find((r) => r.runId === runId) ?? null;
      if (!planned && !rec) throw new ApiError(404, `run group ${groupId} has no run ${runId}`);
      const files = (listing?.files ?? []).filter((f) => f.run_id === runId);
      const folder = runFolder(rec, summary?.run_group_dir ?? status.run_group_dir, files);
      const rolloutPath = folder ? `${folder}/${rec?.llm?.rolloutFile ?? 'logs/llm/rollout.jsonl'}` : null;
      const rollout = files.find((f) => f.path === rolloutPath) ?? null;
      return { key: { status, rec, planned, files }, status, rec, planned, files, folder, rollout, live: LIVE.has(status.status) };
    },
    async (data) => {
      view.destroyCharts();
      const { status, rec, planned, files, folder, rollout } = data;
      const run = rec ?? { runId, competitionId: planned.competition_id, task: planned.task ?? undefined, seed: planned.seed };
      document.title = `${runLabel(run)} · seed ${run.seed} · MLE-bench Redux`;
      head.replaceChildren(runHeader(status, run, rec, planned));
      record.replaceChildren(...runRecord(view, run, rec, names));
      artifacts.replaceChildren(artifactsSection(groupId, folder, files));
      await transcript.update(rollout, rec?.llm ?? null, LIVE.has(status.status));
    },
  );
}

function runHeader(status, run, rec, planned) {
  const outcome = rec?.outcome ?? planned?.outcome ?? null;
  const phase = rec ? 'done' : (planned?.phase ?? 'pending');
  return h(
    'header',
    { class: 'page-head' },
    h(
      'h1',
      {},
      run.task ? h('span', { class: 'task-tag big' }, run.task) : null,
      run.competitionId,
      h('span', { class: 'muted' }, ` · seed ${run.seed}`),
    ),
    h(
      'div',
      { class: 'head-meta' },
      outcome ? badge('outcome', outcome) : phaseBadge(phase),
      run.task ? null : medalBadge(rec?.medal ?? planned?.medal ?? null),
      h('span', {}, 'group ', statusBadge(status.status)),
      h('span', { class: 'mono small' }, run.runId),
    ),
    rec?.reason ? h('div', { class: `callout ${outcome === 'succeeded' ? 'info' : 'warn'}`, 'data-reason': '' }, rec.reason) : null,
  );
}

function runRecord(view, run, rec, names) {
  if (!rec) return [h('p', { class: 'muted', id: 'no-record' }, 'This run has not finished: its record appears when it does.')];
  const cards = [];
  const t = rec.timings ?? {};
  cards.push(
    card(
      'Result',
      facts([
        ['outcome', rec.outcome],
        ['score', h('span', { 'data-run-score': rec.score ?? '' }, fmtScore(rec.score))],
        rec.task
          ? [null, null]
          : [
              'normalized score',
              h('span', { 'data-run-normalized': rec.grade?.normalized_score ?? '' }, fmtScore(rec.grade?.normalized_score ?? null)),
            ],
        rec.task ? [null, null] : ['medal', medalBadge(rec.medal)],
        rec.task ? [null, null] : ['above median', rec.aboveMedian ? 'yes' : 'no'],
        ['agent time', fmtDuration(t.agentSecs)],
        ['started', time(t.startedAt)],
        ['finished', time(t.finishedAt)],
        rec.agentRetries ? ['fresh containers', String(rec.agentRetries)] : [null, null],
      ]),
    ),
  );
  if (rec.container) cards.push(containerCard(rec.container, rec.previousContainers));
  if (rec.llm) cards.push(llmCard(rec.llm));
  const out = [h('div', { class: 'cards' }, cards)];
  if (rec.grade) out.push(gradeSection(view, run, rec, names));
  if (rec.techniqueGrade) out.push(techniqueGradeSection(rec.techniqueGrade));
  return out;
}

function containerCard(c, previous) {
  const flags = [
    c.timedOut && 'timed out',
    c.oomKilled && 'out of memory',
    c.reattached && 're-attached',
    c.stoppedForBudget && 'stopped for its LLM budget',
  ].filter(Boolean);
  return card(
    'Container',
    facts([
      ['id', h('span', { class: 'mono', title: c.containerId }, String(c.containerId ?? '').slice(0, 12))],
      ['exit code', c.exitCode === null ? 'stopped by the harness' : String(c.exitCode)],
      ['started', time(c.startedAt)],
      ['finished', time(c.finishedAt)],
      ['ran', fmtDuration(secondsBetween(c.startedAt, c.finishedAt))],
      flags.length ? ['notes', flags.join(', ')] : [null, null],
      previous?.length ? ['replaced containers', String(previous.length)] : [null, null],
    ]),
    c.notCopied?.length
      ? h(
          'details',
          { class: 'small' },
          h('summary', {}, `${c.notCopied.length} file(s) not copied out`),
          h(
            'ul',
            { class: 'mono' },
            c.notCopied.map((f) => h('li', {}, f)),
          ),
        )
      : null,
  );
}

function llmCard(llm) {
  const budget = llm.budget ?? {};
  const limits = [
    budget.maxTokens !== undefined && `${fmtInt(budget.maxTokens)} tokens`,
    budget.maxRequests !== undefined && `${fmtInt(budget.maxRequests)} requests`,
    budget.maxDollars !== undefined && `$${budget.maxDollars}`,
  ].filter(Boolean);
  return h(
    'section',
    { class: 'card', id: 'run-llm' },
    h('h3', {}, 'LLM use'),
    h(
      'div',
      { class: 'big-number' },
      h('strong', { 'data-llm-tokens': llm.totalTokens }, fmtInt(llm.totalTokens)),
      h('span', {}, ' tokens'),
    ),
    facts([
      ['requests', fmtInt(llm.requests)],
      ['prompt', fmtInt(llm.promptTokens)],
      ['completion', fmtInt(llm.completionTokens)],
      ['cost', h('span', { 'data-llm-cost': '' }, fmtCost(llm.costUsd, llm.unpricedRequests))],
      ['budget', limits.length ? limits.join(', ') : 'none'],
      llm.budgetExhausted ? ['ran out', h('span', { class: 'badge outcome-agent_failed' }, `${llm.budgetExhausted} budget`)] : [null, null],
    ]),
  );
}

function gradeSection(view, run, rec, names) {
  const g = rec.grade;
  const meta = names.get(run.competitionId);
  const rows = [
    ['score', g.score],
    ['gold', g.gold_threshold],
    ['silver', g.silver_threshold],
    ['bronze', g.bronze_threshold],
    ['median', g.median_threshold],
  ];
  const section = h(
    'section',
    { class: 'block', id: 'grade' },
    h('h2', {}, 'Grade'),
    h(
      'div',
      { class: 'cards' },
      card(
        `Leaderboard · ${meta?.metric ?? run.competitionId}`,
        h(
          'table',
          { class: 'table compact' },
          h(
            'tbody',
            {},
            rows.map(([k, v]) =>
              h(
                'tr',
                { class: k === 'score' ? 'score-row' : `medal-row medal-${k}` },
                h('th', { scope: 'row' }, k),
                h('td', { class: 'num' }, fmtScore(v)),
              ),
            ),
          ),
        ),
        facts([
          ['direction', g.is_lower_better ? 'lower is better' : 'higher is better'],
          ['submission', g.valid_submission ? 'valid' : g.submission_exists ? 'invalid' : 'missing'],
          ['medal', g.gold_medal ? 'gold' : g.silver_medal ? 'silver' : g.bronze_medal ? 'bronze' : 'none'],
          ['above median', g.above_median ? 'yes' : 'no'],
          ['graded', time(g.created_at)],
        ]),
        g.error ? h('div', { class: 'callout warn' }, g.error) : null,
      ),
    ),
  );
  if (typeof g.gold_threshold === 'number') section.querySelector('.cards').append(runScoreChart(view, run.competitionId, rec, g));
  return section;
}
