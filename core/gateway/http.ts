/** HTTP helpers of the gateway: OpenAI-style errors, JSON bodies, bearer tokens. */
import type http from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code: string | null = type,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const errorBody = (e: { message: string; type: string; code: string | null }) => ({
  error: { message: e.message, type: e.type, code: e.code },
});

const tooLarge = (maxBytes: number, declared?: number) =>
  new HttpError(
    413,
    'invalid_request_error',
    `request body larger than the gateway's limit of ${maxBytes} bytes (limits.maxBodyBytes)${declared === undefined ? '' : `: content-length ${declared}`}`,
    'body_too_large',
  );

/**
 * The body, up to `maxBytes`: a larger declared content-length is refused before a byte is read,
 * and a larger body (chunked, or lying about its length) as soon as it passes the limit, holding
 * no more than that.
 */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge(maxBytes, declared));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (fn: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      fn();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        chunks.length = 0;
        done(() => reject(tooLarge(maxBytes)));
      } else chunks.push(chunk);
    };
    const onEnd = () => done(() => resolve(Buffer.concat(chunks, size)));
    const onError = (err: Error) => done(() => reject(err));
    const onClose = () => done(() => reject(new Error('the client closed the connection before the body ended')));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

export async function readJson(req: http.IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(req, maxBytes);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new HttpError(400, 'invalid_request_error', `request body is not valid JSON: ${(err as Error).message}`, 'invalid_json');
  }
}

/**
 * Answers a request whose body may not have been read (refused early, or too large): with
 * `connection: close`, Node destroys the socket once the answer is flushed, so the rest of the
 * body is never read.
 */
export function answer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  send(res, status, body, req.complete ? headers : { ...headers, connection: 'close' });
}

export function bearer(req: http.IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}
