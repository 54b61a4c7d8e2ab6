// The REST API of the server that serves the page (same origin, so the content policy's
// `connect-src 'self'` allows it): one fetch helper that turns the API's error bodies into an
// ApiError, the API's addresses (the richer views, under /v2: docs/rest-api.md), and the
// competitions' names, fetched once per page load.
/* global fetch */

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(path, { as = 'json' } = {}) {
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

/** A POST of a JSON body, its JSON answer (the query box's: the page's policy allows no form submission). */
export async function apiPost(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    cache: 'no-store',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, answer?.error?.message ?? `${res.status} ${res.statusText}`);
  return answer;
}

const enc = encodeURIComponent;
/** The richer views' prefix (the seed's own shapes are at the root). */
export const API = '/v2';
export const groupApi = (groupId) => `${API}/runs/${enc(groupId)}`;
export const artifactHref = (groupId, relPath) => `${groupApi(groupId)}/artifacts/${relPath.split('/').map(enc).join('/')}`;

/** The competitions' names and metrics, fetched once per page load (an empty map if unavailable). */
let competitionsOnce = null;
export function competitions() {
  competitionsOnce ??= api(`${API}/competitions`)
    .then((body) => new Map((body.competitions ?? []).map((c) => [c.id, c])))
    .catch(() => new Map());
  return competitionsOnce;
}
