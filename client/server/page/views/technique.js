// Technique grades: a technique run (a task such as `leakage` on a competition) is graded 0..1 by
// weighted criteria, not against a leaderboard. The group page shows the per-task totals and one
// card per graded run; the run page shows its own grade with the submission and analysis checks.
import { facts, fill, h, navLink } from '../lib/dom.js';
import { fmtInt, fmtScore } from '../lib/format.js';
import { runHref } from '../lib/routes.js';

/** The group page's section: totals by task, a card per graded run, the skipped pairs. */
export function techniqueSection(groupId, runs, report) {
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
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Task', 'Runs', 'Graded', 'Mean', 'Min', 'Max'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
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
          h(
            'div',
            {},
            h('span', { class: 'task-tag' }, grade.task),
            navLink(runHref(groupId, r.runId), `${grade.competition_id} · seed ${grade.seed}`),
          ),
          h(
            'div',
            { class: 'grade-total' },
            h('strong', { 'data-grade-score': grade.score }, fmtScore(grade.score)),
            h('span', { class: 'muted small' }, ' / 1'),
          ),
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
      h(
        'ul',
        { class: 'skipped' },
        skipped.map((s) =>
          h('li', {}, h('span', { class: 'task-tag' }, s.task), `${s.competition_id}: `, h('span', { class: 'muted' }, s.reason)),
        ),
      ),
    );
  }
  return section;
}

/** The run page's section: the run's technique grade `g`. */
export function techniqueGradeSection(g) {
  return h(
    'section',
    { class: 'block', id: 'technique-grade' },
    h('h2', {}, 'Technique grade'),
    h(
      'article',
      { class: 'card grade-card' },
      h(
        'header',
        { class: 'grade-head' },
        h('div', {}, h('span', { class: 'task-tag' }, g.task), `${g.competition_id} · seed ${g.seed}`),
        h('div', { class: 'grade-total' }, h('strong', {}, fmtScore(g.score)), h('span', { class: 'muted small' }, ' / 1')),
      ),
      gradeBar(g.score),
      criteriaTable(g.criteria),
      facts([
        ['submission', g.valid_submission ? 'valid' : g.submission_exists ? 'invalid' : 'missing'],
        ['analysis', g.valid_analysis ? 'valid' : g.analysis_exists ? 'invalid' : 'missing'],
      ]),
      g.error ? h('div', { class: 'callout warn' }, g.error) : null,
    ),
  );
}

function gradeBar(score) {
  return h('div', { class: 'grade-bar', role: 'presentation' }, fill(typeof score === 'number' ? score * 100 : 0));
}

function criteriaTable(criteria) {
  return h(
    'table',
    { class: 'table compact criteria' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Criterion', 'Weight', 'Score', 'Detail'].map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      (criteria ?? []).map((c) =>
        h(
          'tr',
          { 'data-criterion': c.name },
          h('td', { class: 'mono' }, c.name),
          h('td', { class: 'num', 'data-weight': c.weight }, fmtScore(c.weight)),
          h(
            'td',
            { class: 'num', 'data-score': c.score },
            h('span', { class: `crit-score ${c.score >= 0.9 ? 'good' : c.score >= 0.5 ? 'fair' : 'poor'}` }, fmtScore(c.score)),
          ),
          h('td', { class: 'detail' }, c.detail ?? ''),
        ),
      ),
    ),
  );
}
