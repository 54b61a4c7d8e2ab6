// Signing the page in, on a server that asks for tokens: the token is posted once to /session,
// which answers with an HttpOnly cookie (no script here keeps or can read it), so every request
// and link of the page (artifacts, downloads) carries it.
/* global fetch */
import { h } from '../lib/dom.js';

export function signInPanel(message, onSignedIn) {
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'current-password',
    required: true,
    'aria-label': 'API token',
    placeholder: 'API token',
  });
  const status = h('p', { class: 'muted', role: 'status' });
  const form = h(
    'form',
    {
      class: 'signin',
      onsubmit: async (event) => {
        event.preventDefault();
        status.textContent = 'Signing in…';
        const res = await fetch('/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: input.value }),
        });
        if (res.ok) return onSignedIn();
        const body = await res.json().catch(() => null);
        status.textContent = body?.error?.message ?? `${res.status} ${res.statusText}`;
      },
    },
    input,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  return h('div', { class: 'wrap' }, h('div', { class: 'callout', role: 'alert' }, h('strong', {}, 'Sign in. '), message), form, status);
}
