// The score charts: runs' scores against their leaderboard's medal thresholds, drawn with chart.js
// (the `Chart` global, loaded by index.html from /assets/vendor/). A group gets one chart per
// competition (runs of one competition share a leaderboard, and competitions' scales differ); a
// run page gets one for its own score. Each chart is registered with its View, which destroys it.
/* global Chart, queueMicrotask */
import { h } from '../lib/dom.js';
import { fmtScore } from '../lib/format.js';

const MEDAL_COLOURS = { gold: '#d4a017', silver: '#98a2ae', bronze: '#b8733a', median: '#64748b', none: '#2f5bd3' };

/** A group's competition runs (each with a record whose grade has thresholds), charted by competition. */
export function scoreCharts(view, runs, names) {
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
    const canvas = h('canvas', {
      'data-competition': competitionId,
      role: 'img',
      'aria-label': `${competitionId}: scores against the medal thresholds`,
    });
    grid.append(
      h(
        'figure',
        { class: 'card chart-card' },
        h(
          'figcaption',
          {},
          h('strong', {}, meta?.name ?? competitionId),
          h('span', { class: 'muted small' }, ` ${meta?.metric ?? ''}${g.is_lower_better ? ' · lower is better' : ' · higher is better'}`),
        ),
        h('div', { class: 'chart-box' }, canvas),
        thresholdLegend(g),
      ),
    );
    drawWhenShown(view, canvas, () => compRuns.map((r) => ({ score: r.score, medal: r.medal, label: `seed ${r.seed}` })), g);
  }
  section.append(grid);
  return section;
}

/** One run's score against its grade `g`'s thresholds: a card for the run page's grade section. */
export function runScoreChart(view, competitionId, rec, g) {
  const canvas = h('canvas', { 'data-competition': competitionId, role: 'img', 'aria-label': 'the score against the medal thresholds' });
  drawWhenShown(view, canvas, () => [{ score: rec.score, medal: rec.medal, label: `seed ${rec.seed}` }], g);
  return h('figure', { class: 'card chart-card' }, h('div', { class: 'chart-box' }, canvas), thresholdLegend(g));
}

/** Draws once the canvas is in the document (chart.js measures its box), if the View still shows it. */
function drawWhenShown(view, canvas, points, g) {
  queueMicrotask(() => {
    if (!view.alive || !canvas.isConnected) return;
    const chart = thresholdChart(canvas, points(), g);
    if (chart) view.charts.push(chart);
  });
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
