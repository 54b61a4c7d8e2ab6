// The small status labels every page shows: a group's status, a run's outcome or live phase, a
// medal. Each carries a data-* attribute naming what it is, so the end-to-end test (and anyone
// scripting the page) can find it.
import { h, token } from '../lib/dom.js';

/** A run's phase while it has no outcome yet, in words. */
const PHASES = {
  pending: 'pending',
  preparing: 'preparing data',
  running_agent: 'agent running',
  grading: 'grading',
  persisting: 'saving',
  done: 'done',
};

export function badge(kind, value, label) {
  return h('span', { class: `badge ${kind}-${token(value)}`, 'data-badge': kind }, label ?? String(value).replace(/_/g, ' '));
}

export const phaseBadge = (phase) =>
  h('span', { class: `badge phase phase-${token(phase)}`, 'data-badge': 'phase' }, PHASES[phase] ?? phase ?? 'pending');
export const statusBadge = (status) => h('span', { class: `badge status-${token(status)}`, 'data-group-status': status }, status);
export const medalBadge = (medal) =>
  medal
    ? h('span', { class: `badge medal medal-${token(medal)}`, 'data-medal': medal }, medal)
    : h('span', { class: 'muted', 'data-medal': '' }, '—');
