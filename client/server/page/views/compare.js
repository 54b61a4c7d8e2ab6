// Page 4, `/compare?a=<id>&b=<id>`: two run groups compared, paired by competition and seed
// (GET /v2/compare, the statistics of `mlebench compare`): each difference is B − A with B better
// positive, its 95% paired t interval, the unpaired runs and the runs that differ most.
/* global document, location, URLSearchParams */
import { api } from '../lib/api.js';
import { breadcrumbs, card, facts, h, navLink } from '../lib/dom.js';
import { fmtScore } from '../lib/format.js';
import { compareHref, groupHref } from '../lib/routes.js';
import { medalBadge } from './badges.js';
import { listGroups } from './list.js';

const num = (x) => (x === null || x === undefined ? '—' : Math.abs(x) < 1e-12 ? '0' : String(Number(x.toPrecision(4))));
const keyText = (k) => `${k.task ? `${k.task} on ` : ''}${k.competition_id} seed ${k.seed}`;

export async function comparePage(view, root) {
  const params = new URLSearchParams(location.search);
  const a = params.get('a') ?? '';
  const b = params.get('b') ?? '';
  document.title = `Compare${a && b ? ` ${a} · ${b}` : ''} · MLE-bench Redux`;
  const body = h('div');
  root.replaceChildren(
    h(
      'div',
      { class: 'wrap' },
      breadcrumbs(navLink('/', 'Run groups'), h('span', {}, 'Compare')),
      h('header', { class: 'page-head' }, h('h1', {}, 'Compare two run groups')),
      body,
    ),
  );
  // Finished groups do not change: one load, no polling.
  await view.live(
    async () => {
      const [groups, comparison] = await Promise.all([
        listGroups(),
        a && b ? api(`/v2/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`) : null,
      ]);
      return { groups: groups.filter((g) => g.status === 'completed'), comparison, live: false };
    },
    ({ groups, comparison }) =>
      body.replaceChildren(
        picker(groups, a, b),
        comparison
          ? comparisonBody(comparison)
          : h('p', { class: 'muted' }, 'Pick group A and group B: runs are paired by competition and seed.'),
      ),
  );
}

/** Two selects and a link that follows them (the page's policy allows no form submission). */
function picker(groups, a, b) {
  const select = (name, chosen) =>
    h(
      'select',
      { name, 'aria-label': `group ${name.toUpperCase()}` },
      h('option', { value: '' }, '—'),
      groups.map((g) => h('option', { value: g.run_id, selected: g.run_id === chosen }, `${g.run_id} (${g.agent_id ?? '?'})`)),
    );
  const selA = select('a', a);
  const selB = select('b', b);
  const go = navLink(compareHref(a, b), 'Compare');
  go.id = 'compare-go';
  const update = () => go.setAttribute('href', compareHref(selA.value, selB.value));
  selA.addEventListener('change', update);
  selB.addEventListener('change', update);
  return h('p', { class: 'compare-picker' }, h('label', {}, 'A ', selA), ' ', h('label', {}, 'B ', selB), ' ', go);
}

export function statRow(label, s) {
  const ci = !s ? '—' : s.ci_lower === null ? '— (one pair)' : `${num(s.ci_lower)} – ${num(s.ci_upper)}`;
  return h(
    'tr',
    { 'data-difference': label },
    h('th', { scope: 'row' }, label),
    h('td', { class: 'num' }, s ? String(s.n) : '0'),
    h('td', { class: 'num', 'data-mean': '' }, num(s?.mean ?? null)),
    h('td', { class: 'num' }, ci),
    h('td', { class: 'num' }, num(s?.standard_error ?? null)),
  );
}

export function table(id, head, rows) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table compact', id },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          head.map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

const side = (g) => h('span', {}, navLink(groupHref(g.id), h('span', { class: 'mono' }, g.id)), ` ${g.agent_id}, ${g.runs} runs`);

function comparisonBody(c) {
  const rows = [];
  if (c.medal_rate) {
    rows.push(
      statRow('medal rate (pp)', c.medal_rate),
      statRow('above median (pp)', c.above_median_rate),
      statRow('valid submission (pp)', c.valid_submission_rate),
    );
  }
  for (const s of c.score)
    rows.push(
      statRow(`score: ${s.task ? `${s.task} on ` : ''}${s.competition_id} (${s.is_lower_better ? 'lower' : 'higher'} is better)`, s),
    );
  if (c.technique_grade.all) {
    rows.push(statRow('technique grade: all tasks', c.technique_grade.all));
    for (const t of c.technique_grade.by_task) rows.push(statRow(`technique grade: ${t.task}`, t));
  }
  const most = c.most_different.map((d) =>
    h(
      'tr',
      {},
      h('td', {}, keyText(d)),
      h('td', { class: 'num' }, fmtScore(d.a_score)),
      h('td', { class: 'num' }, fmtScore(d.b_score)),
      h('td', { class: 'num' }, num(d.improvement)),
      h('td', { class: 'num' }, num(d.relative)),
      h('td', {}, medalBadge(d.a_medal), ' → ', medalBadge(d.b_medal)),
    ),
  );
  const unpaired = [
    ['only in A', c.unpaired.a_only],
    ['only in B', c.unpaired.b_only],
  ].filter(([, keys]) => keys.length > 0);
  return h(
    'div',
    { id: 'comparison' },
    facts([
      ['A', side(c.a)],
      ['B', side(c.b)],
      ['Pairs', h('span', { 'data-pairs': c.pairs }, String(c.pairs))],
      ['Left out', c.excluded.length ? `${c.excluded.length} (a run ended infra_error or cancelled)` : null],
      ['Method', c.method],
    ]),
    card(
      'Differences, B − A (B better is positive)',
      rows.length ? table('differences', ['', 'pairs', 'mean', '95% CI', 'SE'], rows) : h('p', { class: 'muted' }, 'No pairs.'),
    ),
    most.length
      ? card('The runs that differ most', table('most-different', ['run', 'A', 'B', 'improvement', 'relative', 'medal A → B'], most))
      : null,
    unpaired.map(([label, keys]) => card(label, h('p', {}, keys.map(keyText).join(', ')))),
  );
}
