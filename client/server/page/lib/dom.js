// Building the page's DOM, text only. Agents write much of what the page shows (logs, code,
// analyses, transcripts), so nothing from the API ever goes into the DOM as HTML: `h` turns every
// string into a text node, and there is no innerHTML anywhere in the page. These are the generic
// pieces (elements, links, cards, fact lists, bars); what they show is up to the views.
/* global document, Node */

/**
 * An element with attributes and children. Strings and numbers become text nodes; `text` sets
 * textContent; `on<event>` adds a listener; false, null and undefined are skipped.
 */
export function h(tag, props, ...children) {
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

/** A link inside the page: followed without a reload (see the click handler in app.js). */
export const navLink = (href, ...children) => h('a', { href, 'data-nav': true }, ...children);

/** An external link, only for http(s) addresses (the Temporal Web UI). */
export function externalLink(url, label) {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return null;
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'external' }, label);
}

/** A token safe in a class name (`role-assistant`, `outcome-agent_failed`). */
export const token = (s) =>
  String(s ?? 'unknown')
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '') || 'unknown';

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h3', {}, title) : null, ...children);
}

/** A definition list from [label, value] pairs; pairs whose value is null/undefined are left out. */
export function facts(pairs, cls = '') {
  const dl = h('dl', { class: `facts ${cls}` });
  for (const [label, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(h('dt', {}, label), h('dd', {}, value));
  }
  return dl;
}

/** A bar's filled part; its width set through the CSSOM (the page's policy forbids style attributes). */
export function fill(pct) {
  const span = h('span', { class: 'fill' });
  span.style.width = `${Math.max(0, Math.min(100, pct)).toFixed(1)}%`;
  return span;
}

export function breadcrumbs(...items) {
  const nav = h('nav', { class: 'crumbs', 'aria-label': 'breadcrumbs' });
  items.forEach((item, i) => {
    if (i > 0) nav.append(h('span', { class: 'sep', 'aria-hidden': 'true' }, '/'));
    nav.append(item);
  });
  return nav;
}
