// `/experiment?group=<id>`: an experiment's effect of its context (GET /v2/experiment, the
// statistics of `mlebench experiment-report`): its arms paired by competition and seed within the
// group, injected − plain with a gain positive, each mean with its 95% paired t interval, over all
// competitions and per competition.
/* global document, location, URLSearchParams */
import { api } from '../lib/api.js';
import { breadcrumbs, card, facts, h, navLink } from '../lib/dom.js';
import { groupHref } from '../lib/routes.js';
import { statRow, table } from './compare.js';

/** Where the interval lies: wholly above zero, below it, or holding it. */
function verdict(s) {
  if (!s || s.ci_lower === null || s.ci_upper === null) return '—';
  return s.ci_lower > 0 ? 'above 0' : s.ci_upper < 0 ? 'below 0' : 'holds 0';
}

function effectRows(label, e) {
  const rows = [
    ['relative score', e.relative_score],
    ['medal rate (pp)', e.medal_rate],
    ['above median (pp)', e.above_median_rate],
    ['valid submission (pp)', e.valid_submission_rate],
    ['technique grade', e.technique_grade],
  ];
  return rows.filter(([, s]) => s).map(([name, s]) => withVerdict(statRow(`${label}: ${name}`, s), s));
}

function withVerdict(row, s) {
  row.append(h('td', { 'data-verdict': verdict(s) }, verdict(s)));
  return row;
}

export async function experimentPage(view, root) {
  const group = new URLSearchParams(location.search).get('group') ?? '';
  document.title = `Experiment ${group} · MLE-bench Redux`;
  const body = h('div');
  root.replaceChildren(
    h(
      'div',
      { class: 'wrap' },
      breadcrumbs(navLink('/', 'Run groups'), navLink(groupHref(group), h('span', { class: 'mono' }, group)), h('span', {}, 'Experiment')),
      h('header', { class: 'page-head' }, h('h1', {}, 'The effect of the context')),
      body,
    ),
  );
  await view.live(
    async () => ({ report: await api(`/v2/experiment?group=${encodeURIComponent(group)}`), live: false }),
    ({ report }) => body.replaceChildren(experimentBody(report)),
  );
}

function experimentBody(r) {
  const rows = effectRows('all', r.overall);
  for (const c of r.by_competition) {
    for (const s of c.score) {
      const name = `${c.competition_id}${s.task ? ` ${s.task}` : ''}: score (${s.is_lower_better ? 'lower' : 'higher'} is better)`;
      rows.push(withVerdict(statRow(name, s), s));
    }
    rows.push(...effectRows(c.competition_id, { ...c, relative_score: null }));
  }
  return h(
    'div',
    { id: 'experiment' },
    facts([
      ['Group', navLink(groupHref(r.group_id), h('span', { class: 'mono' }, r.group_id))],
      ['Agent', r.agent_id],
      ['Arms', `${r.treatment} − ${r.control} (${r.runs.treatment} and ${r.runs.control} runs)`],
      ['Pairs', h('span', { 'data-pairs': r.overall.pairs }, String(r.overall.pairs))],
      ['Left out', r.overall.excluded ? `${r.overall.excluded} (a run ended infra_error or cancelled)` : null],
      ['Method', r.method],
    ]),
    card(
      `Effects, ${r.treatment} − ${r.control} (a gain is positive)`,
      rows.length ? table('effects', ['', 'pairs', 'mean', '95% CI', 'SE', 'interval'], rows) : h('p', { class: 'muted' }, 'No pairs.'),
    ),
  );
}
