// The results page (issue 7): run groups, one group's runs, one run's record, artifacts and LLM
// transcript, all read from the REST API of the server that serves this file. Plain ES modules,
// no build step; everything agent-written goes into the DOM as text only (lib/dom.js).
//
// This module is the router and the bootstrapping: it picks the page for location.pathname
// (lib/routes.js), gives it a fresh View (lib/live.js) and follows in-page links without a
// reload. The pages are in views/ (list, group, run, compare, experiment, query); lib/ holds what they share.
/* global document, window, location, history, console, Element */
import { ApiError } from './lib/api.js';
import { h, navLink } from './lib/dom.js';
import { View, setNotice } from './lib/live.js';
import { parseRoute } from './lib/routes.js';
import { comparePage } from './views/compare.js';
import { experimentPage } from './views/experiment.js';
import { groupPage } from './views/group.js';
import { groupsPage } from './views/list.js';
import { queryPage } from './views/query.js';
import { runPage } from './views/run.js';
import { signInPanel } from './views/signin.js';

let current = null;

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
  const pages = { groups: groupsPage, group: groupPage, run: runPage, compare: comparePage, experiment: experimentPage, query: queryPage };
  const page = pages[route.page] ?? missingPage;
  page(view, root, route).catch((err) => {
    if (!view.alive) return;
    console.error(err);
    if (err instanceof ApiError && err.status === 401) {
      root.replaceChildren(signInPanel(err.message, render));
      document.body.dataset.state = 'signin';
      return;
    }
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

function errorPanel(err) {
  const notFound = err instanceof ApiError && err.status === 404;
  return h(
    'div',
    { class: 'wrap' },
    h(
      'div',
      { class: 'callout error', role: 'alert' },
      h('strong', {}, notFound ? 'Not found. ' : 'Could not load this page. '),
      err.message,
    ),
    h('p', {}, navLink('/', '← All run groups')),
  );
}

async function missingPage(_view, root) {
  root.replaceChildren(errorPanel(new ApiError(404, `no page at ${location.pathname}`)));
  document.body.dataset.state = 'error';
}

render();
