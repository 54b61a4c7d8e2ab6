// A run's artifacts: the files in its folder, grouped by top folder (submission, code, logs, then
// the records), each a link to the API's file endpoint (GET /runs/<group>/artifacts/<path>),
// opened in a new tab. A run page's own section, apart from its record and its transcript.
import { artifactHref } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { fmtBytes } from '../lib/format.js';

/** At most this many files are listed per folder (the API lists them all). */
const MAX = 300;

export function artifactsSection(groupId, folder, files) {
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
  for (const top of tops) {
    const list = groups.get(top).sort((a, b) => a.rel.localeCompare(b.rel));
    grid.append(
      h(
        'div',
        { class: 'card artifact-group', 'data-folder': top },
        h(
          'h3',
          {},
          top === '(record)' ? 'records' : `${top}/`,
          h('span', { class: 'muted small' }, ` ${list.length} file${list.length === 1 ? '' : 's'}`),
        ),
        h(
          'ul',
          { class: 'files' },
          list
            .slice(0, MAX)
            .map((f) =>
              h(
                'li',
                {},
                h(
                  'a',
                  { href: artifactHref(groupId, f.path), target: '_blank', rel: 'noopener', 'data-artifact': f.rel },
                  top === '(record)' ? f.rel : f.rel.slice(top.length + 1),
                ),
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
