/**
 * How the server labels an artifact. Agents write these files, so nothing is served as HTML or
 * script (an agent's page could run in the results page's origin): anything unknown is bytes.
 */
const TEXT = new Set(['.log', '.py', '.md', '.jsonl', '.txt', '.yaml', '.yml', '.html', '.r', '.ipynb', '.sh']);

export function contentTypeOf(file: string): string {
  const ext = /\.[^./]+$/.exec(file.toLowerCase())?.[0] ?? '';
  if (ext === '.json') return 'application/json; charset=utf-8';
  if (ext === '.csv') return 'text/csv; charset=utf-8';
  if (ext === '.png') return 'image/png';
  if (TEXT.has(ext)) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}
