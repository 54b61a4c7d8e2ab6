// The page's addresses, built and parsed in one place:
//
//   /                                      the run groups
//   /groups/<group id>                     one group
//   /groups/<group id>/runs/<run id>       one run
//   /compare?a=<group id>&b=<group id>     two groups compared, paired by competition and seed
//   /experiment?group=<group id>           an experiment's arms compared within the group
//   /query                                 SQL over the rollouts dataset of one's groups
//
// Ids hold slashes and dots (`grp/spambase/seed-1`): each is one encodeURIComponent'd segment.

const enc = encodeURIComponent;
export const groupHref = (groupId) => `/groups/${enc(groupId)}`;
export const runHref = (groupId, runId) => `${groupHref(groupId)}/runs/${enc(runId)}`;
export const experimentHref = (groupId) => `/experiment?group=${enc(groupId)}`;
export const compareHref = (a, b) => (a && b ? `/compare?a=${enc(a)}&b=${enc(b)}` : '/compare');

/** Which page an address shows: { page: 'groups' | 'group' | 'run' | 'compare' | 'experiment' | 'query' | 'missing', groupId?, runId? }. */
export function parseRoute(pathname) {
  const parts = pathname.split('/').filter(Boolean);
  const decode = (s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  if (parts.length === 0) return { page: 'groups' };
  if (parts.length === 1 && (parts[0] === 'compare' || parts[0] === 'experiment' || parts[0] === 'query')) return { page: parts[0] };
  if (parts[0] !== 'groups') return { page: 'missing' };
  if (parts.length === 1) return { page: 'groups' };
  const at = parts.indexOf('runs', 2);
  if (at === -1) return { page: 'group', groupId: parts.slice(1).map(decode).join('/') };
  const groupId = parts.slice(1, at).map(decode).join('/');
  const runId = parts
    .slice(at + 1)
    .map(decode)
    .join('/');
  return runId ? { page: 'run', groupId, runId } : { page: 'group', groupId };
}
