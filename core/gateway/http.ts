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

export const errorBody = (e: { message: string; type: string; code: string | null }) => ({ error: { message: e.message, type: e.type, code: e.code } });

export async function readJson(req: http.IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, 'invalid_request_error', `request body larger than ${maxBytes} bytes`, 'body_too_large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    throw new HttpError(400, 'invalid_request_error', `request body is not valid JSON: ${(err as Error).message}`, 'invalid_json');
  }
}

export function bearer(req: http.IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}
