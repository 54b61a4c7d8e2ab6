// How the page prints numbers, token counts, costs, durations, sizes and dates. The CLI prints the
// same quantities, and the page follows its conventions (fmtTokensShort, fmtCost), so a reader
// sees the same figures in both.
import { h } from './dom.js';

export function fmtScore(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e7)) return x.toExponential(3);
  return String(Number(x.toFixed(abs >= 100 ? 2 : 5)));
}

export const fmtInt = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '—');

/** "1.2k", "3.4M" (as the CLI prints them). */
export function fmtTokensShort(n) {
  if (typeof n !== 'number') return '—';
  if (n < 1000) return String(n);
  if (n < 999_950) return `${(n / 1000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(2)}M`;
}

/** Dollars, honest about calls with no price (as the CLI's formatCost). */
export function fmtCost(costUsd, unpricedRequests = 0) {
  const cost = typeof costUsd === 'number' ? costUsd : 0;
  if (!unpricedRequests) return `$${cost.toFixed(4)}`;
  return cost > 0 ? `$${cost.toFixed(4)} + ${unpricedRequests} unpriced` : 'cost unknown';
}

export function fmtDuration(secs) {
  if (typeof secs !== 'number' || !Number.isFinite(secs)) return '—';
  if (secs < 60) return `${secs.toFixed(secs < 10 ? 1 : 0)} s`;
  const s = Math.round(secs);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

export function fmtBytes(n) {
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
export function time(iso, { timeOnly = false } = {}) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', {}, String(iso));
  return h('time', { datetime: d.toISOString(), title: d.toISOString() }, (timeOnly ? timeFormat : dateFormat).format(d));
}

export function secondsBetween(a, b) {
  const t0 = Date.parse(a);
  const t1 = b ? Date.parse(b) : Date.now();
  return Number.isFinite(t0) && Number.isFinite(t1) ? Math.max(0, (t1 - t0) / 1000) : null;
}
