/**
 * Reading a raw e-mail into what a reader would see: the subject and the text of its body, with
 * the transport headers gone. Enough MIME for the SpamAssassin corpus: multipart walking,
 * base64 and quoted-printable, charsets, RFC 2047 encoded words, HTML turned into text, and
 * attachments counted rather than kept. Deterministic (no locale), never throws on bad input:
 * a part it cannot decode is kept as it is.
 */
import { htmlToText } from './html';

export interface ParsedMail {
  /** The decoded Subject header, '' when there is none. */
  subject: string;
  /** The top-level Content-Type, lower case (`text/plain` when absent). */
  contentType: string;
  /** Text of every text/plain and text/html part, in order, HTML converted to text. */
  text: string;
  /** Whether a text/html part was found. */
  html: boolean;
  /** Parts that are neither text nor containers (images, documents...). */
  attachments: number;
}

type Headers = Map<string, string>;

interface Walk {
  texts: string[];
  html: boolean;
  attachments: number;
}

/** Nesting beyond this is treated as an attachment (a malformed or hostile message). */
const MAX_DEPTH = 8;

export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitMessage(raw.replace(/\r\n?/g, '\n'));
  const walk: Walk = { texts: [], html: false, attachments: 0 };
  walkPart(headers, body, walk, 0);
  return {
    subject: decodeEncodedWords(headers.get('subject') ?? '')
      .replace(/\s+/g, ' ')
      .trim(),
    contentType: parseContentType(headers.get('content-type')).type,
    text: walk.texts.join('\n\n'),
    html: walk.html,
    attachments: walk.attachments,
  };
}

/** Headers up to the first empty line (continuation lines unfolded; the first of a repeated name wins), then the body. */
export function splitMessage(message: string): { headers: Headers; body: string } {
  const end = message.search(/\n\n|^\n/);
  const head = end < 0 ? message : message.slice(0, end);
  const body = end < 0 ? '' : message.slice(end).replace(/^\n\n?/, '');
  const headers: Headers = new Map();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

interface ContentType {
  type: string;
  params: Map<string, string>;
}

export function parseContentType(value: string | undefined): ContentType {
  const params = new Map<string, string>();
  if (!value) return { type: 'text/plain', params };
  const [type, ...rest] = value.split(';');
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    params.set(
      param.slice(0, eq).trim().toLowerCase(),
      param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1'),
    );
  }
  const t = (type ?? '').trim().toLowerCase();
  return { type: /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(t) ? t : 'text/plain', params };
}

function walkPart(headers: Headers, body: string, walk: Walk, depth: number): void {
  const { type, params } = parseContentType(headers.get('content-type'));
  const boundary = params.get('boundary');
  if (type.startsWith('multipart/') && boundary && depth < MAX_DEPTH) {
    const parts = splitMultipart(body, boundary);
    if (parts) {
      for (const part of parts) {
        const inner = splitMessage(part);
        walkPart(inner.headers, inner.body, walk, depth + 1);
      }
      return;
    }
    // A boundary that never occurs: read the body as plain text.
  }
  if (type === 'message/rfc822' && depth < MAX_DEPTH) {
    // A forwarded message: its body counts, its transport headers do not.
    const inner = splitMessage(body);
    walkPart(inner.headers, inner.body, walk, depth + 1);
    return;
  }
  const disposition = (headers.get('content-disposition') ?? '').toLowerCase();
  const isText = type === 'text/plain' || type === 'text/html' || type.startsWith('multipart/') || type.startsWith('message/');
  if (!isText || disposition.startsWith('attachment')) {
    walk.attachments++;
    return;
  }
  const text = decodeBody(body, headers.get('content-transfer-encoding'), params.get('charset'));
  if (type === 'text/html') {
    walk.html = true;
    walk.texts.push(htmlToText(text));
  } else {
    walk.texts.push(text);
  }
}

/** The parts between `--boundary` lines, or undefined when the boundary does not occur. */
function splitMultipart(body: string, boundary: string): string[] | undefined {
  const lines = body.split('\n');
  const open = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | undefined;
  let seen = false;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === open || trimmed === `${open}--`) {
      seen = true;
      if (current) parts.push(current.join('\n'));
      current = trimmed === open ? [] : undefined;
      if (trimmed !== open) break;
      continue;
    }
    current?.push(line);
  }
  if (current) parts.push(current.join('\n'));
  return seen ? parts : undefined;
}

function decodeBody(body: string, encoding: string | undefined, charset: string | undefined): string {
  const cte = (encoding ?? '').trim().toLowerCase();
  if (cte === 'base64') {
    const compact = body.replace(/[^A-Za-z0-9+/=]/g, '');
    return decodeBytes(Buffer.from(compact, 'base64'), charset);
  }
  if (cte === 'quoted-printable') return decodeBytes(quotedPrintableBytes(body), charset);
  return body;
}

/** Quoted-printable (RFC 2045): `=XX` is a byte, `=` at a line's end joins it to the next. */
export function quotedPrintableBytes(text: string): Buffer {
  const joined = text.replace(/=[ \t]*\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const c = joined.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      bytes.push(...Buffer.from(joined[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/**
 * Bytes in a declared charset. UTF-8 must be valid UTF-8; anything undeclared, unknown or invalid
 * is read as Latin-1, which never fails (so one byte is always one character).
 */
export function decodeBytes(bytes: Buffer, charset: string | undefined): string {
  const name = (charset ?? '').trim().toLowerCase();
  if (name === '' || name === 'us-ascii' || name === 'utf-8' || name === 'utf8') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return bytes.toString('latin1');
    }
  }
  if (name === 'iso-8859-1' || name === 'latin1') return bytes.toString('latin1');
  try {
    return new TextDecoder(name, { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** RFC 2047 encoded words in a header: `=?charset?B?...?=` (base64) and `=?charset?Q?...?=`. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2') // whitespace between two encoded words is not part of the text
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (_match, charset: string, kind: string, data: string) => {
      const bytes = kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : quotedPrintableBytes(data.replace(/_/g, ' '));
      return decodeBytes(bytes, charset.replace(/\*.*$/, ''));
    });
}
