/**
 * A stand-in for the part of Kaggle's API v1 the harness uses, over real HTTP on 127.0.0.1:
 * `GET /api/v1/competitions/data/list/{id}` and `GET /api/v1/competitions/data/download-all/{id}`
 * with basic auth (401 for wrong credentials, 403 with Kaggle's message when the rules are not
 * accepted, 404 for an unknown competition), answering the download with a 302 to a second server
 * (another port, so another origin, like Kaggle's signed storage links) that serves the zip with
 * Range, ETag and x-goog-hash. Every request is recorded; faults (a connection cut mid-body, 5xx)
 * can be queued.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import yazl from 'yazl';
import { crc32cBase64, crc32cUpdate } from '../../core/kaggle/zip';

export interface StubCompetition {
  zip: Buffer;
  /** False: the download answers 403 "You must accept this competition's rules…". Default true. */
  rulesAccepted?: boolean;
  /** The file list; default one file per zip entry is not known here, so: the zip itself. */
  files?: { name: string; totalBytes: number }[];
  /** The MD5 (base64) announced in x-goog-hash; default the served bytes' own; null: none. */
  announcedMd5?: string | null;
  /** The CRC-32C (base64) announced in x-goog-hash, likewise. */
  announcedCrc32c?: string | null;
}

export interface StubRequest {
  server: 'api' | 'storage';
  method: string;
  path: string;
  authorization?: string;
  range?: string;
  ifRange?: string;
  status: number;
}

type Fault =
  | { kind: 'cut'; afterBytes: number }
  /** Sends part of the body, then nothing more (the connection stays open until the client gives up). */
  | { kind: 'stall'; afterBytes: number }
  | { kind: 'status'; status: number; retryAfter?: string }
  /** The storage link is refused, as an expired signed URL is. */
  | { kind: 'expired' };

export interface KaggleStub {
  /** Base URL to give as MLEBENCH_KAGGLE_API_URL. */
  apiUrl: string;
  storageOrigin: string;
  requests: StubRequest[];
  competitions: Map<string, StubCompetition>;
  /** The next download responses (storage server) suffer these faults, in order. */
  queueStorageFaults(...faults: Fault[]): void;
  /** The next API responses suffer these faults, in order. */
  queueApiFaults(...faults: Fault[]): void;
  close(): Promise<void>;
}

export const RULES_MESSAGE = "You must accept this competition's rules before you'll be able to download files.";

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startKaggleStub(opts: {
  users: Record<string, string>;
  competitions: Record<string, StubCompetition>;
  redirect?: boolean;
}): Promise<KaggleStub> {
  const requests: StubRequest[] = [];
  const competitions = new Map(Object.entries(opts.competitions));
  const storageFaults: Fault[] = [];
  const apiFaults: Fault[] = [];
  const signatures = new Map<string, string>(); // signature → competition id
  const sockets = new Set<import('node:net').Socket>();

  const record = (server: StubRequest['server'], req: http.IncomingMessage, status: number) =>
    requests.push({
      server,
      method: req.method ?? 'GET',
      path: req.url ?? '',
      authorization: req.headers.authorization,
      range: req.headers.range,
      ifRange: req.headers['if-range'] as string | undefined,
      status,
    });

  /** Serves a competition's zip with Range support; applies the next queued fault. */
  const serveZip = (server: StubRequest['server'], req: http.IncomingMessage, res: http.ServerResponse, c: StubCompetition) => {
    const fault = storageFaults.shift();
    if (fault?.kind === 'expired') {
      record(server, req, 400);
      res.writeHead(400, { 'content-type': 'application/xml' });
      return res.end('<Error><Code>ExpiredToken</Code><Message>Invalid argument.</Message></Error>');
    }
    if (fault?.kind === 'status') {
      record(server, req, fault.status);
      res.writeHead(fault.status, { 'content-type': 'text/plain', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
      return res.end('storage unavailable');
    }
    const body = c.zip;
    const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
    const md5 = c.announcedMd5 === undefined ? createHash('md5').update(body).digest('base64') : c.announcedMd5;
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/zip', etag, 'accept-ranges': 'bytes' };
    const crc32c = c.announcedCrc32c === undefined ? crc32cBase64(crc32cUpdate(0, body)) : c.announcedCrc32c;
    const hashes = [...(crc32c ? [`crc32c=${crc32c}`] : []), ...(md5 ? [`md5=${md5}`] : [])];
    if (hashes.length > 0) headers['x-goog-hash'] = hashes.join(',');
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && (!ifRange || ifRange === etag)) {
      start = Number(range[1]);
      if (start >= body.length) {
        record(server, req, 416);
        res.writeHead(416, { 'content-range': `bytes */${body.length}` });
        return res.end();
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    }
    headers['content-length'] = body.length - start;
    record(server, req, status);
    res.writeHead(status, headers);
    const rest = body.subarray(start);
    if (fault?.kind === 'stall') {
      res.write(rest.subarray(0, fault.afterBytes));
      return;
    }
    if (fault?.kind === 'cut') {
      // Send part of the body, then drop the connection once those bytes are on the wire.
      res.write(rest.subarray(0, fault.afterBytes), () => res.socket?.destroy());
      return;
    }
    res.end(rest);
  };

  const api = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const m = /^\/api\/v1\/competitions\/data\/(list|download-all)\/([^/]+)$/.exec(url.pathname);
    const fault = apiFaults.shift();
    if (fault?.kind === 'status') {
      record('api', req, fault.status);
      res.writeHead(fault.status, { 'content-type': 'text/html', ...(fault.retryAfter ? { 'retry-after': fault.retryAfter } : {}) });
      return res.end('<html>try later</html>');
    }
    if (!m || req.method !== 'GET') {
      record('api', req, 404);
      return json(res, 404, { code: 404, message: 'Not found' });
    }
    const [, what, rawId] = m;
    const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [user, key] = auth ? Buffer.from(auth[1]!, 'base64').toString().split(':') : [];
    if (!user || opts.users[user] === undefined || opts.users[user] !== key) {
      record('api', req, 401);
      return json(res, 401, { code: 401, message: 'Unauthenticated' });
    }
    const id = decodeURIComponent(rawId!);
    const c = competitions.get(id);
    if (!c) {
      record('api', req, 404);
      return json(res, 404, { code: 404, message: 'NotFound' });
    }
    if (what === 'list') {
      record('api', req, 200);
      const files = c.files ?? [{ name: `${id}.zip`, totalBytes: c.zip.length }];
      return json(
        res,
        200,
        files.map((f) => ({
          ref: f.name,
          name: f.name,
          totalBytes: f.totalBytes,
          creationDate: '2019-01-01T00:00:00Z',
          url: `https://www.kaggle.com/competitions/${id}/data`,
        })),
      );
    }
    if (c.rulesAccepted === false) {
      record('api', req, 403);
      return json(res, 403, { code: 403, message: RULES_MESSAGE });
    }
    if (opts.redirect === false) return serveZip('api', req, res, c);
    const sig = randomBytes(8).toString('hex');
    signatures.set(sig, id);
    record('api', req, 302);
    res.writeHead(302, { location: `${storageOrigin}/storage/${encodeURIComponent(id)}.zip?X-Goog-Signature=${sig}` });
    res.end();
  });

  const storage = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const id = signatures.get(url.searchParams.get('X-Goog-Signature') ?? '');
    const c = id === undefined ? undefined : competitions.get(id);
    if (!c || url.pathname !== `/storage/${encodeURIComponent(id!)}.zip`) {
      record('storage', req, 403);
      res.writeHead(403, { 'content-type': 'application/xml' });
      return res.end('<Error><Code>AccessDenied</Code></Error>');
    }
    serveZip('storage', req, res, c);
  });

  for (const s of [api, storage])
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  const apiOrigin = await listen(api);
  const storageOrigin = await listen(storage);

  return {
    apiUrl: `${apiOrigin}/api/v1`,
    storageOrigin,
    requests,
    competitions,
    queueStorageFaults: (...faults) => storageFaults.push(...faults),
    queueApiFaults: (...faults) => apiFaults.push(...faults),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([api, storage].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

/** A zip of the given files (stored, not compressed, so its size is predictable), as Kaggle's download-all gives. */
export function makeZip(
  files: Record<string, string | Buffer>,
  opts: { compress?: boolean; modes?: Record<string, number> } = {},
): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) {
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name, {
      compress: opts.compress ?? false,
      mtime: new Date('2020-01-01T00:00:00Z'),
      ...(opts.modes?.[name] !== undefined ? { mode: opts.modes[name] } : {}),
    });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

/** A small competition in Kaggle's shape: train/test/sample_submission CSVs (~`rows` lines of train). */
export function competitionFiles(rows = 20_000): Record<string, string> {
  const train = ['id,text,label'];
  const test = ['id,text'];
  const sample = ['id,label'];
  for (let i = 0; i < rows; i++) {
    train.push(`${i},"words ${(i * 7919) % 10007} and ${(i * 104729) % 1009}",${i % 2}`);
    if (i % 4 === 0) {
      test.push(`${rows + i},"more words ${(i * 31) % 997}"`);
      sample.push(`${rows + i},0.5`);
    }
  }
  return { 'train.csv': `${train.join('\n')}\n`, 'test.csv': `${test.join('\n')}\n`, 'sample_submission.csv': `${sample.join('\n')}\n` };
}
