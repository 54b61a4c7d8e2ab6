// Page 1, `/`: the run groups, newest first as the API lists them, polled while any is live.
/* global document */
import { API, api } from '../lib/api.js';
import { externalLink, h, navLink } from '../lib/dom.js';
import { fmtDuration, secondsBetween, time } from '../lib/format.js';
import { LIVE } from '../lib/live.js';
import { compareHref, groupHref } from '../lib/routes.js';
import { statusBadge } from './badges.js';

/** The run groups, newest first (the compare page picks from them too). */
export async function listGroups() {
  return (await api(`${API}/runs?limit=200`)).runs;
}

export async function groupsPage(view, root) {
  document.title = 'Run groups · MLE-bench Redux';
  const body = h('div');
  root.replaceChildren(
    h(
      'div',
      { class: 'wrap' },
      h('div', { class: 'page-head' }, h('h1', {}, 'Run groups'), h('p', {}, navLink(compareHref(), 'Compare two groups →'))),
      body,
    ),
  );
  await view.live(
    async () => {
      const runs = await listGroups();
      return { runs, live: runs.some((g) => LIVE.has(g.status)) };
    },
    ({ runs }) => body.replaceChildren(groupsTable(runs)),
  );
}

function groupsTable(groups) {
  if (groups.length === 0) {
    return h(
      'div',
      { class: 'empty' },
      'No run groups yet. Start one with ',
      h('code', {}, 'mlebench run'),
      ' or ',
      h('code', {}, 'POST /runs'),
      '.',
    );
  }
  const rows = groups.map((g) =>
    h(
      'tr',
      { 'data-group': g.run_id },
      h('td', { 'data-label': 'Run group' }, navLink(groupHref(g.run_id), h('span', { class: 'mono' }, g.run_id))),
      h('td', { 'data-label': 'Agent' }, g.agent_id ?? '—'),
      h('td', { 'data-label': 'Status' }, statusBadge(g.status), g.detail ? h('span', { class: 'muted small' }, ` ${g.detail}`) : null),
      h('td', { 'data-label': 'Created' }, time(g.created_at)),
      h('td', { 'data-label': 'Finished' }, time(g.finished_at)),
      h('td', { 'data-label': 'Took', class: 'num' }, g.finished_at ? fmtDuration(secondsBetween(g.created_at, g.finished_at)) : '—'),
      h('td', { 'data-label': 'Temporal' }, externalLink(g.web_ui, 'Web UI') ?? h('span', { class: 'muted' }, '—')),
    ),
  );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table stack', id: 'groups' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Run group', 'Agent', 'Status', 'Created', 'Finished', 'Took', 'Temporal'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}
