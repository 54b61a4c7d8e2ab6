// Page 6, `/query`: SQL over the rollouts dataset's tables (runs, llm_calls, files) of the caller's
// own groups (POST /v2/query, the same as `mlebench query`; docs/datasets.md). The answer's cells
// are agent-written text as often as not: shown as text only, like everything else on the page.
/* global document */
import { apiPost } from '../lib/api.js';
import { breadcrumbs, h, navLink } from '../lib/dom.js';
import { table } from './compare.js';

export const EXAMPLE_SQL =
  'SELECT agent_id, competition_id, count(*) AS runs, avg(score) AS mean_score\nFROM runs\nWHERE started_at > now() - INTERVAL 1 MONTH\nGROUP BY ALL ORDER BY 1, 2';

const cell = (v) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

export async function queryPage(view, root) {
  document.title = 'Query · MLE-bench Redux';
  const sql = h('textarea', { id: 'query-sql', rows: 6, cols: 100, spellcheck: 'false', 'aria-label': 'SQL' }, EXAMPLE_SQL);
  const result = h('div', { id: 'query-result' });
  const run = h('button', { id: 'query-run', type: 'button' }, 'Run');
  run.addEventListener('click', async () => {
    run.disabled = true;
    result.replaceChildren(h('p', { class: 'muted' }, 'Running…'));
    try {
      const r = await apiPost('/v2/query', { sql: sql.value });
      if (!view.alive) return;
      result.replaceChildren(
        table(
          'query-rows',
          r.columns,
          r.rows.map((row) =>
            h(
              'tr',
              {},
              r.columns.map((c) => h('td', {}, cell(row[c]).slice(0, 500))),
            ),
          ),
        ),
        h('p', { class: 'muted' }, `${r.rows.length} rows from ${r.groups.length} groups${r.truncated ? ' (more left out)' : ''}`),
      );
    } catch (err) {
      if (view.alive) result.replaceChildren(h('div', { class: 'callout error', role: 'alert' }, err.message));
    } finally {
      run.disabled = false;
    }
  });
  root.replaceChildren(
    h(
      'div',
      { class: 'wrap' },
      breadcrumbs(navLink('/', 'Run groups'), h('span', {}, 'Query')),
      h('header', { class: 'page-head' }, h('h1', {}, 'Query the rollouts')),
      h(
        'p',
        { class: 'muted' },
        'One SQL statement (DuckDB) over the tables runs, llm_calls and files of your run groups; see docs/datasets.md for the columns.',
      ),
      sql,
      h('p', {}, run),
      result,
    ),
  );
  document.body.dataset.state = 'ready';
}
