// The results page (issue 7): run groups, one group's runs, one run's record, artifacts and LLM
// transcript, all read from the REST API of the server that serves this file. A plain ES module,
// no build step.
//
// Agents write much of what is shown here (logs, code, analyses, transcripts), so nothing from
// the API ever goes into the DOM as HTML: every string becomes a text node (see `h`), and links are
// built from encodeURIComponent'd ids.
//
// Routes (location.pathname): /                                      the run groups
//                             /groups/<group id>                     one group
//                             /groups/<group id>/runs/<run id>       one run
// Ids hold slashes and dots (`grp/spambase/seed-1`): each is one encodeURIComponent'd segment.
/* global Chart, document, window, location, history, fetch, setTimeout, clearTimeout, queueMicrotask, console, Element, Node, TextEncoder -- a browser module; the lint config knows Node globals only */

const POLL_MS = 2000;
/** Group statuses the page keeps polling. */
const LIVE = new Set(['queued', 'running']);
const MEDAL_COLOURS = { gold: '#d4a017', silver: '#98a2ae', bronze: '#b8733a', median: '#64748b', none: '#2f5bd3' };
const PHASES = {
  pending: 'pending',
  preparing: 'preparing data',
  running_agent: 'agent running',
  grading: 'grading',
  persisting: 'saving',
  done: 'done',
};
/** A message longer than this is shown collapsed, with a button to expand it. */
const LONG_CHARS = 1200;
const LONG_LINES = 24;

// ---------------------------------------------------------------------------------------------
// DOM building: text only, never HTML.

/**
 * An element with attributes and children. Strings and numbers become text nodes; `text` sets
 * textContent; `on<event>` adds a listener; false, null and undefined are skipped.
 */
function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A link inside the page: followed without a reload (see the click handler below). */
const navLink = (href, ...children) => h('a', { href, 'data-nav': true }, ...children);

/** An external link, only for http(s) addresses (the Temporal Web UI). */
function externalLink(url, label) {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return null;
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'external' }, label);
}

/** A token safe in a class name (`role-assistant`, `outcome-agent_failed`). */
const token = (s) => String(s ?? 'unknown').toLowerCase().replace(/[^a-z0-9_-]/g, '') || 'unknown';

function badge(kind, value, label) {
  return h('span', { class: `badge ${kind}-${token(value)}`, 'data-badge': kind }, label ?? String(value).replace(/_/g, ' '));
}

const statusBadge = (status) => h('span', { class: `badge status-${token(status)}`, 'data-group-status': status }, status);
const medalBadge = (medal) => (medal ? h('span', { class: `badge medal medal-${token(medal)}`, 'data-medal': medal }, medal) : h('span', { class: 'muted', 'data-medal': '' }, '—'));

function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h3', {}, title) : null, ...children);
}

/** A definition list from [label, value] pairs; pairs whose value is null/undefined are left out. */
function facts(pairs, cls = '') {
  const dl = h('dl', { class: `facts ${cls}` });
  for (const [label, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(h('dt', {}, label), h('dd', {}, value));
  }
  return dl;
}

// ---------------------------------------------------------------------------------------------
// Formatting.

function fmtScore(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e7)) return x.toExponential(3);
  return String(Number(x.toFixed(abs >= 100 ? 2 : 5)));
}

const fmtInt = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '—');

/** "1.2k", "3.4M" (as the CLI prints them). */
function fmtTokensShort(n) {
  if (typeof n !== 'number') return '—';
  if (n < 1000) return String(n);
  if (n < 999_950) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(2)}M`;
}

/** Dollars, honest about calls with no price (as the CLI's formatCost). */
function fmtCost(costUsd, unpricedRequests = 0) {
  const cost = typeof costUsd === 'number' ? costUsd : 0;
  if (!unpricedRequests) return `$${cost.toFixed(4)}`;
  return cost > 0 ? `$${cost.toFixed(4)} + ${unpricedRequests} unpriced` : 'cost unknown';
}

function fmtDuration(secs) {
  if (typeof secs !== 'number' || !Number.isFinite(secs)) return '—';
  if (secs < 60) return `${secs.toFixed(secs < 10 ? 1 : 0)} s`;
  const s = Math.round(secs);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

function fmtBytes(n) {
  if (typeof n !== 'number') return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const clock = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', ...clock });
const timeFormat = new Intl.DateTimeFormat(undefined, clock);

/** A <time> element: local date and time, ISO in its title. */
function time(iso, { timeOnly = false } = {}) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', {}, String(iso));
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, (timeOnly ? timeFormat : dateFormat).format(d));
}

function secondsBetween(a, b) {
  const t0 = Date.parse(a);
  const t1 = b ? Date.parse(b) : Date.now();
  return Number.isFinite(t0) && Number.isFinite(t1) ? Math.max(0, (t1 - t0) / 1000) : null;
}

const runLabel = (run) => (run.task ? `${run.task} · ${run.competitionId}` : run.competitionId);

// ---------------------------------------------------------------------------------------------
// The API.

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, { as = 'json' } = {}) {
  const res = await fetch(path, { cache: 'no-store', headers: { accept: as === 'json' ? 'application/json' : '*/*' } });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      if (body && body.error && typeof body.error.message === 'string') message = body.error.message;
    } catch {
      // not the API's JSON error body: keep the status line
    }
    throw new ApiError(res.status, message);
  }
  return as === 'json' ? res.json() : res.text();
}

const enc = encodeURIComponent;
const groupHref = (groupId) => `/groups/${enc(groupId)}`;
const runHref = (groupId, runId) => `${groupHref(groupId)}/runs/${enc(runId)}`;
const groupApi = (groupId) => `/runs/${enc(groupId)}`;
const artifactHref = (groupId, relPath) => `${groupApi(groupId)}/artifacts/${relPath.split('/').map(enc).join('/')}`;

/** The competitions' names and metrics, fetched once per page load (null if unavailable). */
let competitionsOnce = null;
function competitions() {
  competitionsOnce ??= api('/competitions')
    .then((body) => new Map((body.competitions ?? []).map((c) => [c.id, c])))
    .catch(() => new Map());
  return competitionsOnce;
}

// ---------------------------------------------------------------------------------------------
// Router and page lifecycle: each page is a View; navigating stops the previous one's polling.

class View {
  constructor() {
    this.alive = true;
    this.timer = null;
    this.charts = [];
  }

  stop() {
    this.alive = false;
    clearTimeout(this.timer);
    this.destroyCharts();
  }

  destroyCharts() {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
  }

  sleep(ms) {
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, ms);
    });
  }

  /**
   * Loads, draws when what was loaded changed, and polls every POLL_MS while `load` says the
   * group is live. Once it is not, one more round picks up what the group wrote as it finished.
   */
  async live(load, draw) {
    let last = null;
    let wasLive = false;
    for (;;) {
      let data;
      try {
        data = await load();
      } catch (err) {
        if (!this.alive) return;
        if (last === null) throw err;
        setNotice(`Lost contact with the server (${err.message}); retrying…`);
        await this.sleep(POLL_MS);
        continue;
      }
      if (!this.alive) return;
      setNotice(null);
      const key = JSON.stringify(data.key ?? data);
      if (key !== last) {
        last = key;
        await draw(data);
        if (!this.alive) return;
      }
      document.body.dataset.state = 'ready';
      document.body.dataset.live = String(data.live);
      if (!data.live) {
        if (!wasLive) return;
        wasLive = false;
        continue;
      }
      wasLive = true;
      await this.sleep(POLL_MS);
      if (!this.alive) return;
    }
  }
}

let current = null;

function parseRoute(pathname) {
  const parts = pathname.split('/').filter(Boolean);
  const decode = (s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  if (parts.length === 0) return { page: 'groups' };
  if (parts[0] !== 'groups') return { page: 'missing' };
  if (parts.length === 1) return { page: 'groups' };
  const at = parts.indexOf('runs', 2);
  if (at === -1) return { page: 'group', groupId: parts.slice(1).map(decode).join('/') };
  const groupId = parts.slice(1, at).map(decode).join('/');
  const runId = parts.slice(at + 1).map(decode).join('/');
  return runId ? { page: 'run', groupId, runId } : { page: 'group', groupId };
}

function render() {
  current?.stop();
  const view = new View();
  current = view;
  const root = document.getElementById('app');
  root.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  document.body.dataset.state = 'loading';
  document.body.dataset.live = 'false';
  setNotice(null);
  window.scrollTo(0, 0);
  const route = parseRoute(location.pathname);
  const pages = { groups: groupsPage, group: groupPage, run: runPage };
  const page = pages[route.page] ?? missingPage;
  page(view, root, route).catch((err) => {
    if (!view.alive) return;
    console.error(err);
    root.replaceChildren(errorPanel(err));
    document.body.dataset.state = 'error';
  });
}

function navigate(href) {
  history.pushState(null, '', href);
  render();
}

document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[data-nav]') : null;
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});
window.addEventListener('popstate', render);

function setNotice(text) {
  let notice = document.getElementById('notice');
  if (!text) {
    notice?.remove();
    return;
  }
  if (!notice) {
    notice = h('div', { id: 'notice', class: 'notice', role: 'status' });
    document.body.append(notice);
  }
  notice.textContent = text;
}

function errorPanel(err) {
  const notFound = err instanceof ApiError && err.status === 404;
  return h(
    'div',
    { class: 'wrap' },
    h('div', { class: 'callout error', role: 'alert' }, h('strong', {}, notFound ? 'Not found. ' : 'Could not load this page. '), err.message),
    h('p', {}, navLink('/', '← All run groups')),
  );
}

async function missingPage(_view, root) {
  root.replaceChildren(errorPanel(new ApiError(404, `no page at ${location.pathname}`)));
  document.body.dataset.state = 'error';
}

function breadcrumbs(...items) {
  const nav = h('nav', { class: 'crumbs', 'aria-label': 'breadcrumbs' });
  items.forEach((item, i) => {
    if (i > 0) nav.append(h('span', { class: 'sep', 'aria-hidden': 'true' }, '/'));
    nav.append(item);
  });
  return nav;
}

// ---------------------------------------------------------------------------------------------
// Page 1: the run groups.

async function groupsPage(view, root) {
  document.title = 'Run groups · MLE-bench Redux';
  const body = h('div');
  root.replaceChildren(h('div', { class: 'wrap' }, h('div', { class: 'page-head' }, h('h1', {}, 'Run groups')), body));
  await view.live(
    async () => {
      const { runs } = await api('/runs?limit=200');
      return { runs, live: runs.some((g) => LIVE.has(g.status)) };
    },
    ({ runs }) => body.replaceChildren(groupsTable(runs)),
  );
}

function groupsTable(groups) {
  if (groups.length === 0) {
    return h('div', { class: 'empty' }, 'No run groups yet. Start one with ', h('code', {}, 'mlebench run'), ' or ', h('code', {}, 'POST /runs'), '.');
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
      h('thead', {}, h('tr', {}, ['Run group', 'Agent', 'Status', 'Created', 'Finished', 'Took', 'Temporal'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Page 2: one group.

/** The group's runs: the plan's (with live phases) merged with the run.json records written so far. */
function groupRuns(status, summary) {
  const records = new Map((summary?.runs ?? []).map((r) => [r.runId, r]));
  const planned =
    status.runs && status.runs.length > 0
      ? status.runs
      : (summary?.runs ?? []).map((r) => ({ run_id: r.runId, competition_id: r.competitionId, task: r.task ?? null, seed: r.seed, phase: 'done' }));
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

async function groupPage(view, root, { groupId }) {
  document.title = `${groupId} · MLE-bench Redux`;
  const head = h('div');
  const body = h('div');
  root.replaceChildren(h('div', { class: 'wrap' }, breadcrumbs(navLink('/', 'Run groups'), h('span', { class: 'mono' }, groupId)), head, body));
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
  const error = summary?.error ?? (status.status === 'failed' ? `the group ${status.detail ?? 'failed'}` : null);
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
    ),
    h(
      'div',
      { class: 'progress-line', 'data-progress': `${done}/${total}` },
      h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': done }, fill(total ? (100 * done) / total : 0)),
      h('span', { class: 'small' }, `${done} of ${total} runs done`, p && p.running ? ` · ${p.running} running` : '', p ? ` · ${p.medals} medal${p.medals === 1 ? '' : 's'}` : ''),
    ),
    error ? h('div', { class: 'callout error', role: 'alert' }, error) : null,
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
  const heads = ['Run', 'Seed', 'Outcome', hasMedals ? 'Score' : 'Grade', ...(hasMedals ? ['Medal'] : []), 'Agent time', ...(hasLlm ? ['LLM tokens', 'LLM cost'] : [])];
  const rows = runs.map((r) => {
    const rec = r.record;
    const llm = rec?.llm;
    const outcome = r.outcome
      ? badge('outcome', r.outcome)
      : h('span', { class: `badge phase phase-${token(r.phase)}`, 'data-badge': 'phase' }, PHASES[r.phase] ?? r.phase ?? 'pending');
    return h(
      'tr',
      { 'data-run': r.runId, class: r.outcome ? '' : 'in-progress' },
      h('td', { 'data-label': 'Run' }, navLink(runHref(groupId, r.runId), r.task ? h('span', { class: 'task-tag' }, r.task) : null, r.competitionId)),
      h('td', { 'data-label': 'Seed', class: 'num' }, String(r.seed)),
      h('td', { 'data-label': 'Outcome', 'data-outcome': r.outcome ?? '' }, outcome, rec?.reason ? h('div', { class: 'reason' }, rec.reason) : null),
      h('td', { 'data-label': hasMedals ? 'Score' : 'Grade', class: 'num', 'data-score': r.score ?? '' }, fmtScore(r.score)),
      hasMedals ? h('td', { 'data-label': 'Medal' }, r.task ? h('span', { class: 'muted' }, 'n/a') : medalBadge(r.medal)) : null,
      h('td', { 'data-label': 'Agent time', class: 'num' }, fmtDuration(rec?.timings?.agentSecs)),
      hasLlm ? h('td', { 'data-label': 'LLM tokens', class: 'num', title: llm ? `${fmtInt(llm.totalTokens)} tokens in ${llm.requests} requests` : null }, llm ? fmtTokensShort(llm.totalTokens) : '—') : null,
      hasLlm ? h('td', { 'data-label': 'LLM cost', class: 'num', 'data-cost': '' }, llm ? fmtCost(llm.costUsd, llm.unpricedRequests) : '—', llm?.budgetExhausted ? h('div', { class: 'reason' }, `${llm.budgetExhausted} budget ran out`) : null) : null,
    );
  });
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'table stack', id: 'runs' }, h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows)),
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
      ['gold', 'silver', 'bronze'].map((m) => h('div', { class: `medal-count medal-${m}` }, h('strong', {}, String(report[`total_${m}_medals`] ?? 0)), h('span', {}, m))),
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

// The chart: each competition run's score against its leaderboard's medal thresholds, one chart per
// competition (runs of one competition share a leaderboard, and competitions' scales differ).

function scoreCharts(view, runs, names) {
  const byCompetition = new Map();
  for (const r of runs) {
    if (!byCompetition.has(r.competitionId)) byCompetition.set(r.competitionId, []);
    byCompetition.get(r.competitionId).push(r);
  }
  const section = h('section', { class: 'block', id: 'score-charts' }, h('h2', {}, 'Scores against the leaderboard'));
  const grid = h('div', { class: 'chart-grid' });
  for (const [competitionId, compRuns] of byCompetition) {
    const meta = names.get(competitionId);
    const g = compRuns[0].record.grade;
    const canvas = h('canvas', { 'data-competition': competitionId, role: 'img', 'aria-label': `${competitionId}: scores against the medal thresholds` });
    grid.append(
      h(
        'figure',
        { class: 'card chart-card' },
        h('figcaption', {}, h('strong', {}, meta?.name ?? competitionId), h('span', { class: 'muted small' }, ` ${meta?.metric ?? ''}${g.is_lower_better ? ' · lower is better' : ' · higher is better'}`)),
        h('div', { class: 'chart-box' }, canvas),
        thresholdLegend(g),
      ),
    );
    // Drawn once the canvas is in the document (chart.js measures its box).
    queueMicrotask(() => {
      if (!view.alive || !canvas.isConnected) return;
      const chart = thresholdChart(canvas, compRuns.map((r) => ({ score: r.score, medal: r.medal, label: `seed ${r.seed}` })), g);
      if (chart) view.charts.push(chart);
    });
  }
  section.append(grid);
  return section;
}

/** The thresholds in words (also what a reader without the chart gets). */
function thresholdLegend(g) {
  const cmp = g.is_lower_better ? '≤' : '≥';
  return h(
    'ul',
    { class: 'thresholds' },
    h('li', { class: 'score' }, h('span', { class: 'dot' }), 'score (coloured by medal)'),
    [
      ['gold', g.gold_threshold],
      ['silver', g.silver_threshold],
      ['bronze', g.bronze_threshold],
    ].map(([m, v]) => h('li', { class: `medal-${m}`, 'data-threshold': m }, h('span', { class: 'dot' }), `${m} ${cmp} ${fmtScore(v)}`)),
    h('li', { class: 'median', 'data-threshold': 'median' }, h('span', { class: 'dot' }), `median ${fmtScore(g.median_threshold)}`),
  );
}

/**
 * A scatter of scores (coloured by medal) over horizontal lines at the gold, silver, bronze and
 * median thresholds. For a lower-is-better metric the axis is reversed, so better is always up.
 */
function thresholdChart(canvas, points, g) {
  if (typeof Chart === 'undefined') {
    canvas.replaceWith(h('p', { class: 'muted small' }, 'chart.js did not load: the thresholds are listed below.'));
    return null;
  }
  const n = points.length;
  const line = (label, y, colour, dash) => ({
    label,
    data: [
      { x: 0.5, y },
      { x: n + 0.5, y },
    ],
    showLine: true,
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: 2,
    borderDash: dash,
    pointRadius: 0,
    pointHoverRadius: 0,
    pointHitRadius: 0,
    order: 2,
  });
  return new Chart(canvas, {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: 'Score',
          data: points.map((p, i) => ({ x: i + 1, y: p.score })),
          pointRadius: 7,
          pointHoverRadius: 9,
          pointStyle: 'circle',
          pointBackgroundColor: points.map((p) => MEDAL_COLOURS[p.medal] ?? MEDAL_COLOURS.none),
          backgroundColor: MEDAL_COLOURS.none,
          borderColor: '#1c1f23',
          borderWidth: 1,
          order: 1,
        },
        line('Gold', g.gold_threshold, MEDAL_COLOURS.gold),
        line('Silver', g.silver_threshold, MEDAL_COLOURS.silver),
        line('Bronze', g.bronze_threshold, MEDAL_COLOURS.bronze),
        line('Median', g.median_threshold, MEDAL_COLOURS.median, [6, 4]),
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: {
          type: 'linear',
          min: 0.5,
          max: n + 0.5,
          grid: { display: false },
          ticks: { stepSize: 1, callback: (v) => (Number.isInteger(v) && v >= 1 && v <= n ? points[v - 1].label : '') },
        },
        y: {
          reverse: Boolean(g.is_lower_better),
          grace: '8%',
          title: { display: true, text: g.is_lower_better ? 'score (lower is better, axis reversed)' : 'score' },
          ticks: { callback: (v) => fmtScore(v) },
        },
      },
      plugins: {
        legend: { display: false }, // thresholdLegend, under the chart, names the lines with their values
        tooltip: {
          callbacks: {
            title: (items) => (items[0] && items[0].datasetIndex === 0 ? points[items[0].dataIndex].label : ''),
            label: (ctx) => `${ctx.dataset.label}: ${fmtScore(ctx.parsed.y)}`,
          },
        },
      },
    },
  });
}

// Technique grades.

function techniqueSection(groupId, runs, report) {
  const section = h('section', { class: 'block', id: 'technique-grades' }, h('h2', {}, 'Technique grades'));
  const byTask = report?.by_task ? Object.entries(report.by_task) : [];
  if (byTask.length) {
    section.append(
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table compact' },
          h('thead', {}, h('tr', {}, ['Task', 'Runs', 'Graded', 'Mean', 'Min', 'Max'].map((t) => h('th', { scope: 'col' }, t)))),
          h(
            'tbody',
            {},
            byTask.map(([task, t]) =>
              h(
                'tr',
                { 'data-task-total': task },
                h('td', {}, h('span', { class: 'task-tag' }, task)),
                h('td', { class: 'num' }, fmtInt(t.runs)),
                h('td', { class: 'num' }, fmtInt(t.graded)),
                h('td', { class: 'num' }, fmtScore(t.mean_score)),
                h('td', { class: 'num' }, fmtScore(t.min_score)),
                h('td', { class: 'num' }, fmtScore(t.max_score)),
              ),
            ),
          ),
        ),
      ),
    );
  }
  const grades = h('div', { class: 'grade-cards' });
  for (const r of runs) {
    const grade = r.record?.techniqueGrade;
    if (!grade) continue;
    grades.append(
      h(
        'article',
        { class: 'card grade-card', 'data-technique-run': r.runId },
        h(
          'header',
          { class: 'grade-head' },
          h('div', {}, h('span', { class: 'task-tag' }, grade.task), navLink(runHref(groupId, r.runId), `${grade.competition_id} · seed ${grade.seed}`)),
          h('div', { class: 'grade-total' }, h('strong', { 'data-grade-score': grade.score }, fmtScore(grade.score)), h('span', { class: 'muted small' }, ' / 1')),
        ),
        gradeBar(grade.score),
        criteriaTable(grade.criteria),
        grade.error ? h('div', { class: 'callout warn' }, grade.error) : null,
      ),
    );
  }
  if (grades.childElementCount) section.append(grades);
  else if (runs.length) section.append(h('p', { class: 'muted' }, 'No technique run has been graded yet.'));
  const skipped = report?.skipped ?? [];
  if (skipped.length) {
    section.append(
      h('h3', {}, 'Skipped pairs'),
      h('ul', { class: 'skipped' }, skipped.map((s) => h('li', {}, h('span', { class: 'task-tag' }, s.task), `${s.competition_id}: `, h('span', { class: 'muted' }, s.reason)))),
    );
  }
  return section;
}

function gradeBar(score) {
  return h('div', { class: 'grade-bar', role: 'presentation' }, fill(typeof score === 'number' ? score * 100 : 0));
}

/** A bar's filled part; its width set through the CSSOM (the page's policy forbids style attributes). */
function fill(pct) {
  const span = h('span', { class: 'fill' });
  span.style.width = `${Math.max(0, Math.min(100, pct)).toFixed(1)}%`;
  return span;
}

function criteriaTable(criteria) {
  return h(
    'table',
    { class: 'table compact criteria' },
    h('thead', {}, h('tr', {}, ['Criterion', 'Weight', 'Score', 'Detail'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      (criteria ?? []).map((c) =>
        h(
          'tr',
          { 'data-criterion': c.name },
          h('td', { class: 'mono' }, c.name),
          h('td', { class: 'num', 'data-weight': c.weight }, fmtScore(c.weight)),
          h('td', { class: 'num', 'data-score': c.score }, h('span', { class: `crit-score ${c.score >= 0.9 ? 'good' : c.score >= 0.5 ? 'fair' : 'poor'}` }, fmtScore(c.score))),
          h('td', { class: 'detail' }, c.detail ?? ''),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Page 3: one run.

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

async function runPage(view, root, { groupId, runId }) {
  document.title = `${runId} · MLE-bench Redux`;
  const crumbs = breadcrumbs(navLink('/', 'Run groups'), navLink(groupHref(groupId), h('span', { class: 'mono' }, groupId)), h('span', { class: 'mono' }, runId.startsWith(`${groupId}/`) ? runId.slice(groupId.length + 1) : runId));
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
    h('h1', {}, run.task ? h('span', { class: 'task-tag big' }, run.task) : null, run.competitionId, h('span', { class: 'muted' }, ` · seed ${run.seed}`)),
    h(
      'div',
      { class: 'head-meta' },
      outcome ? badge('outcome', outcome) : h('span', { class: `badge phase phase-${token(phase)}`, 'data-badge': 'phase' }, PHASES[phase] ?? phase),
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
  if (rec.techniqueGrade) {
    const g = rec.techniqueGrade;
    out.push(
      h(
        'section',
        { class: 'block', id: 'technique-grade' },
        h('h2', {}, 'Technique grade'),
        h(
          'article',
          { class: 'card grade-card' },
          h('header', { class: 'grade-head' }, h('div', {}, h('span', { class: 'task-tag' }, g.task), `${g.competition_id} · seed ${g.seed}`), h('div', { class: 'grade-total' }, h('strong', {}, fmtScore(g.score)), h('span', { class: 'muted small' }, ' / 1'))),
          gradeBar(g.score),
          criteriaTable(g.criteria),
          facts([
            ['submission', g.valid_submission ? 'valid' : g.submission_exists ? 'invalid' : 'missing'],
            ['analysis', g.valid_analysis ? 'valid' : g.analysis_exists ? 'invalid' : 'missing'],
          ]),
          g.error ? h('div', { class: 'callout warn' }, g.error) : null,
        ),
      ),
    );
  }
  return out;
}

function containerCard(c, previous) {
  const flags = [c.timedOut && 'timed out', c.oomKilled && 'out of memory', c.reattached && 're-attached', c.stoppedForBudget && 'stopped for its LLM budget'].filter(Boolean);
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
    c.notCopied?.length ? h('details', { class: 'small' }, h('summary', {}, `${c.notCopied.length} file(s) not copied out`), h('ul', { class: 'mono' }, c.notCopied.map((f) => h('li', {}, f)))) : null,
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
    h('div', { class: 'big-number' }, h('strong', { 'data-llm-tokens': llm.totalTokens }, fmtInt(llm.totalTokens)), h('span', {}, ' tokens')),
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
          h('tbody', {}, rows.map(([k, v]) => h('tr', { class: k === 'score' ? 'score-row' : `medal-row medal-${k}` }, h('th', { scope: 'row' }, k), h('td', { class: 'num' }, fmtScore(v))))),
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
  if (typeof g.gold_threshold === 'number') {
    const canvas = h('canvas', { 'data-competition': run.competitionId, role: 'img', 'aria-label': 'the score against the medal thresholds' });
    section.querySelector('.cards').append(h('figure', { class: 'card chart-card' }, h('div', { class: 'chart-box' }, canvas), thresholdLegend(g)));
    queueMicrotask(() => {
      if (!view.alive || !canvas.isConnected) return;
      const chart = thresholdChart(canvas, [{ score: rec.score, medal: rec.medal, label: `seed ${rec.seed}` }], g);
      if (chart) view.charts.push(chart);
    });
  }
  return section;
}

function artifactsSection(groupId, folder, files) {
  const section = h('section', { class: 'block', id: 'artifacts' }, h('h2', {}, 'Artifacts'));
  if (!files.length) {
    section.append(h('p', { class: 'muted' }, 'No files yet.'));
    return section;
  }
  const prefix = folder ? `${folder}/` : '';
  const groups = new Map();
  for (const f of files) {
    const rel = f.path.startsWith(prefix) ? f.path.slice(prefix.length) : f.path;
    const slash = rel.indexOf('/');
    const top = slash === -1 ? '(record)' : rel.slice(0, slash);
    if (!groups.has(top)) groups.set(top, []);
    groups.get(top).push({ ...f, rel });
  }
  const order = ['submission', 'code', 'logs', '(record)'];
  const tops = [...groups.keys()].sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
  const grid = h('div', { class: 'artifact-grid' });
  const MAX = 300;
  for (const top of tops) {
    const list = groups.get(top).sort((a, b) => a.rel.localeCompare(b.rel));
    grid.append(
      h(
        'div',
        { class: 'card artifact-group', 'data-folder': top },
        h('h3', {}, top === '(record)' ? 'records' : `${top}/`, h('span', { class: 'muted small' }, ` ${list.length} file${list.length === 1 ? '' : 's'}`)),
        h(
          'ul',
          { class: 'files' },
          list.slice(0, MAX).map((f) =>
            h(
              'li',
              {},
              h('a', { href: artifactHref(groupId, f.path), target: '_blank', rel: 'noopener', 'data-artifact': f.rel }, top === '(record)' ? f.rel : f.rel.slice(top.length + 1)),
              h('span', { class: 'muted small size' }, fmtBytes(f.size)),
            ),
          ),
          list.length > MAX ? h('li', { class: 'muted' }, `and ${list.length - MAX} more (see GET /runs/…/artifacts)`) : null,
        ),
      ),
    );
  }
  section.append(grid);
  return section;
}

// ---------------------------------------------------------------------------------------------
// The LLM transcript: logs/llm/rollout.jsonl, one line per model call, shown as a conversation.
// Calls are appended as the rollout grows, so what a reader expanded stays expanded.

class Transcript {
  constructor(groupId) {
    this.groupId = groupId;
    this.root = h('section', { class: 'block transcript', id: 'transcript', hidden: true });
    this.totals = h('div', { class: 'transcript-totals' });
    this.list = h('ol', { class: 'calls' });
    this.rawLink = h('span');
    this.root.append(h('div', { class: 'transcript-head' }, h('h2', {}, 'LLM transcript'), this.rawLink), this.totals, this.list);
    this.file = null;
    this.size = -1;
    this.calls = [];
    this.live = false;
  }

  /** Reads the rollout again when its size changed. */
  async update(file, llm, live) {
    this.live = live;
    this.llm = llm;
    if (!file) {
      if (llm) {
        this.root.hidden = false;
        this.totals.replaceChildren(h('p', { class: 'muted' }, 'No transcript file in this run’s folder.'));
      }
      return;
    }
    this.root.hidden = false;
    if (!this.file) this.rawLink.replaceChildren(h('a', { href: artifactHref(this.groupId, file.path), target: '_blank', rel: 'noopener', class: 'small' }, 'rollout.jsonl'));
    this.file = file;
    if (file.size === this.size) return;
    await this.refresh();
  }

  async refresh() {
    if (!this.file) return;
    let text;
    try {
      text = await api(artifactHref(this.groupId, this.file.path), { as: 'text' });
    } catch (err) {
      this.totals.replaceChildren(h('div', { class: 'callout error' }, `Could not read the transcript: ${err.message}`));
      return;
    }
    this.size = new TextEncoder().encode(text).length;
    // Only whole lines: a line being appended right now is read next time.
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const lines = complete.split('\n').filter((l) => l.trim() !== '');
    for (let i = this.calls.length; i < lines.length; i += 1) {
      let call;
      try {
        call = JSON.parse(lines[i]);
      } catch (err) {
        call = { unparsable: lines[i], problem: err.message };
      }
      this.calls.push(call);
      this.list.append(renderCall(call, i, this.calls[i - 1] ?? null));
    }
    this.drawTotals();
  }

  drawTotals() {
    const calls = this.calls;
    const tokens = calls.reduce((n, c) => n + (c.usage?.totalTokens ?? 0), 0);
    const prompt = calls.reduce((n, c) => n + (c.usage?.promptTokens ?? 0), 0);
    const completion = calls.reduce((n, c) => n + (c.usage?.completionTokens ?? 0), 0);
    const cost = calls.reduce((n, c) => n + (typeof c.costUsd === 'number' ? c.costUsd : 0), 0);
    const unpriced = calls.filter((c) => c.response && c.costUsd === null).length;
    const errors = calls.filter((c) => c.error).length;
    const stats = [
      ['calls', fmtInt(calls.length)],
      ['tokens', fmtInt(tokens)],
      ['prompt', fmtInt(prompt)],
      ['completion', fmtInt(completion)],
      ['cost', fmtCost(Math.round(cost * 1e6) / 1e6, unpriced)],
    ];
    this.totals.replaceChildren(
      h(
        'div',
        { class: 'stat-row', 'data-transcript-totals': '' },
        stats.map(([label, value]) => h('div', { class: 'stat', 'data-stat': label }, h('strong', {}, value), h('span', {}, label))),
        errors ? h('div', { class: 'stat error', 'data-stat': 'errors' }, h('strong', {}, fmtInt(errors)), h('span', {}, errors === 1 ? 'refused or failed' : 'refused or failed')) : null,
      ),
      ...(this.live ? [h('p', { class: 'muted small live-note' }, 'The run is still going: new calls appear as they are made.')] : []),
    );
  }
}

/** How many of this call's messages repeat the previous call's conversation (its messages, then its reply). */
function repeatedPrefix(messages, prev) {
  if (!prev || !Array.isArray(prev.request?.messages)) return 0;
  const before = [...prev.request.messages, ...(prev.response?.choices?.[0]?.message ? [prev.response.choices[0].message] : [])];
  let k = 0;
  while (k < messages.length && k < before.length && sameMessage(messages[k], before[k])) k += 1;
  return k === messages.length ? 0 : k; // never hide the whole request
}

function sameMessage(a, b) {
  const norm = (m) => JSON.stringify([m?.role, m?.content ?? null, m?.tool_calls ?? null, m?.tool_call_id ?? null, m?.name ?? null]);
  return norm(a) === norm(b);
}

function renderCall(call, index, prev) {
  const n = index + 1;
  if (call.unparsable !== undefined) {
    return h('li', { class: 'call has-error', id: `call-${n}` }, h('div', { class: 'call-head' }, h('span', { class: 'call-no' }, `#${n}`), 'unreadable line'), h('pre', { class: 'raw' }, `${call.problem}\n${call.unparsable.slice(0, 2000)}`));
  }
  const req = call.request && typeof call.request === 'object' ? call.request : {};
  const messages = Array.isArray(req.messages) ? req.messages : [];
  const li = h('li', { class: `call${call.error ? ' has-error' : ''}`, id: `call-${n}`, 'data-call': n });

  // Header: number, time, model, tokens, cost, latency.
  const model = req.model ? String(req.model) : '?';
  const usage = call.usage;
  li.append(
    h(
      'div',
      { class: 'call-head' },
      h('a', { class: 'call-no', href: `#call-${n}` }, `#${n}`),
      time(call.ts, { timeOnly: true }),
      h('span', { class: 'model', title: call.upstreamModel ? `upstream: ${call.upstreamModel}` : null }, model, call.upstreamModel && call.upstreamModel !== model ? h('span', { class: 'muted' }, ` → ${call.upstreamModel}`) : null),
      usage ? h('span', { class: 'tokens' }, `${fmtInt(usage.promptTokens)} → ${fmtInt(usage.completionTokens)} tokens`) : null,
      call.response ? h('span', { class: 'cost' }, typeof call.costUsd === 'number' ? fmtCost(call.costUsd) : 'no price') : null,
      typeof call.latencyMs === 'number' ? h('span', { class: 'muted' }, `${fmtInt(call.latencyMs)} ms`) : null,
      call.attempts > 1 ? h('span', { class: 'badge outcome-agent_timeout' }, `${call.attempts} attempts`) : null,
      call.admitted === false ? h('span', { class: 'badge outcome-agent_failed' }, 'refused') : null,
    ),
  );

  // What was sent.
  const sent = h('div', { class: 'sent' });
  const repeated = repeatedPrefix(messages, prev);
  if (repeated > 0) {
    sent.append(
      h(
        'details',
        { class: 'repeated' },
        h('summary', {}, `${repeated} earlier message${repeated === 1 ? '' : 's'}, as in call #${index}`),
        messages.slice(0, repeated).map((m) => messageBubble(m)),
      ),
    );
  }
  sent.append(...messages.slice(repeated).map((m) => messageBubble(m)));
  if (!messages.length) sent.append(h('pre', { class: 'raw' }, JSON.stringify(req, null, 2)));
  if (Array.isArray(req.tools) && req.tools.length) sent.append(toolsOffered(req.tools, req.tool_choice));
  li.append(h('div', { class: 'section-label' }, 'sent'), sent);

  // The reply, or the error.
  li.append(h('div', { class: 'section-label' }, 'reply'));
  if (call.error) {
    const e = call.error;
    li.append(
      h(
        'div',
        { class: 'call-error', role: 'alert', 'data-error-status': e.status ?? '' },
        h('strong', {}, `HTTP ${e.status ?? '?'} · ${e.type ?? 'error'}`),
        call.budgetExhausted ? h('span', { class: 'badge outcome-agent_failed' }, `${call.budgetExhausted} budget exhausted`) : null,
        h('div', {}, e.message ?? ''),
      ),
    );
  } else if (call.response && Array.isArray(call.response.choices)) {
    const reply = h('div', { class: 'reply' });
    for (const choice of call.response.choices) {
      reply.append(messageBubble(choice.message ?? {}, choice.finish_reason));
    }
    li.append(reply);
  } else if (call.response) {
    li.append(h('pre', { class: 'raw' }, JSON.stringify(call.response, null, 2)));
  } else {
    li.append(h('p', { class: 'muted' }, 'No reply recorded.'));
  }
  return li;
}

function toolsOffered(tools, choice) {
  const names = tools.map((t) => t?.function?.name ?? t?.type ?? '?');
  const forced = choice && typeof choice === 'object' ? choice.function?.name : null;
  return h(
    'details',
    { class: 'tools' },
    h('summary', {}, `tools offered: ${names.join(', ')}`, forced ? ` (must call ${forced})` : choice === 'required' ? ' (one must be called)' : ''),
    h('pre', { class: 'code json' }, h('code', {}, JSON.stringify(tools, null, 2))),
  );
}

function messageBubble(message, finishReason) {
  const role = String(message.role ?? 'unknown');
  const bubble = h('div', { class: `msg role-${token(role)}`, 'data-role': role });
  const body = h('div', { class: 'msg-body' });
  const text = contentText(message.content);
  body.append(...contentNodes(message.content));
  for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) body.append(toolCall(call));
  if (message.function_call) body.append(toolCall({ function: message.function_call }));
  if (!body.childElementCount && !text) body.append(h('span', { class: 'muted' }, message.refusal ? `refused: ${message.refusal}` : '(empty)'));

  const lines = text.split('\n').length;
  const long = text.length > LONG_CHARS || lines > LONG_LINES;
  bubble.append(
    h(
      'div',
      { class: 'msg-head' },
      h('span', { class: 'role' }, role),
      message.name ? h('span', { class: 'muted' }, String(message.name)) : null,
      message.tool_call_id ? h('span', { class: 'muted mono' }, `for ${message.tool_call_id}`) : null,
      text ? h('span', { class: 'muted small' }, `${fmtInt(text.length)} chars`) : null,
      finishReason && finishReason !== 'stop' ? h('span', { class: 'muted small' }, `finish: ${finishReason}`) : null,
    ),
    body,
  );
  if (long) {
    bubble.classList.add('collapsed');
    const toggle = h('button', { type: 'button', class: 'toggle' }, `Show all ${fmtInt(lines)} lines`);
    toggle.addEventListener('click', () => {
      const collapsed = bubble.classList.toggle('collapsed');
      toggle.textContent = collapsed ? `Show all ${fmtInt(lines)} lines` : 'Show less';
    });
    bubble.append(toggle);
  }
  return bubble;
}

function contentText(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('\n');
  return '';
}

/** A message's content: text with ``` fenced code blocks shown as code; other parts named. */
function contentNodes(content) {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return textWithCode(content);
  if (Array.isArray(content)) {
    return content.flatMap((part) => {
      if (part?.type === 'text' && typeof part.text === 'string') return textWithCode(part.text);
      if (part?.type === 'image_url') return [h('div', { class: 'muted small' }, '[an image]')];
      return [h('pre', { class: 'raw' }, JSON.stringify(part, null, 2))];
    });
  }
  return [h('pre', { class: 'raw' }, JSON.stringify(content, null, 2))];
}

function textWithCode(text) {
  const nodes = [];
  const fence = /```([\w+.-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g;
  let at = 0;
  for (const m of text.matchAll(fence)) {
    if (m.index > at) pushText(nodes, text.slice(at, m.index));
    nodes.push(h('pre', { class: 'code', 'data-lang': m[1] || null }, h('code', {}, m[2].replace(/\n$/, ''))));
    at = m.index + m[0].length;
  }
  if (at < text.length) pushText(nodes, text.slice(at));
  return nodes;
}

function pushText(nodes, s) {
  if (s.trim() === '') return;
  nodes.push(h('div', { class: 'text' }, s.replace(/^\n+|\n+$/g, '')));
}

function toolCall(call) {
  const fn = call.function ?? {};
  let args = fn.arguments ?? '';
  if (typeof args === 'string') {
    try {
      args = JSON.stringify(JSON.parse(args), null, 2);
    } catch {
      // not JSON: shown as sent
    }
  } else {
    args = JSON.stringify(args, null, 2);
  }
  return h(
    'div',
    { class: 'tool-call', 'data-tool': fn.name ?? '' },
    h('div', { class: 'tool-name' }, h('span', { class: 'muted' }, 'calls '), h('strong', { class: 'mono' }, fn.name ?? '?'), call.id ? h('span', { class: 'muted small mono' }, ` ${call.id}`) : null),
    h('pre', { class: 'code json' }, h('code', {}, args)),
  );
}

render();
