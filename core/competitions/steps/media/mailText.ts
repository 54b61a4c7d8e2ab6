/**
 * Cleaning a mail's decoded text of what the corpus's collection added to it rather than its
 * sender: footers of the mailing lists most ham was collected from (and spam was forwarded to),
 * leftover MIME boundaries (SpamAssassin's own `DeathToSpam...` among them), transport headers
 * of messages pasted into a body, and list tags in subjects. Each marks where a mail was
 * collected, so each would leak its label.
 */

/** A line that starts a footer block: a rule of underscores, dashes or equals signs, or a signature dash. */
const FOOTER_DELIMITER = /^(?:_{10,}|-{10,}|={10,}|-- ?)$/;

/** What list servers write into their footers (and senders rarely do). */
const LIST_MARKERS =
  /listinfo|mailing list|@lists\.|sf\.net email is sponsored|yahoo! groups|-unsubscribe@|\(un\)subscription|list maintainer|you have received this message because you subscribed/i;

/** Footers are short; a longer tail after a rule is the sender's text. */
const MAX_FOOTER_LINES = 15;

/** A MIME boundary left in the text (a multipart that did not parse, or a forward's): no spaces, long. */
const BOUNDARY_LINE = /^--[^\s]{12,}$/;

/** A header line (`Name: value`) or its continuation, as in a message pasted into another's body. */
const HEADER_LINE = /^(?:[A-Za-z][A-Za-z0-9-]*:\s|[ \t]+\S)/;
/** Headers only mail servers write: a block holding one is transport data, not the sender's words. */
const TRANSPORT_HEADER = /^(?:received|return-path|delivered-to|message-id|x-[a-z0-9-]+|envelope-to|x-original-to):/i;

/**
 * Removes blocks of header lines embedded in a body (a forwarded message pasted in, a bounce) when
 * they hold transport headers; a quoted `From: / Sent: / To: / Subject:` reply header stays.
 */
export function stripEmbeddedHeaders(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    let end = i;
    while (end < lines.length && HEADER_LINE.test(lines[end]!) && (end > i || !/^[ \t]/.test(lines[end]!))) end++;
    const block = lines.slice(i, end);
    if (block.length >= 2 && block.some((l) => TRANSPORT_HEADER.test(l))) {
      i = end;
      continue;
    }
    out.push(lines[i]!);
    i++;
  }
  return out.join('\n');
}

/** A line without its reply-quote marks (`> `, `# `, `| `), so a quoted footer is found too. */
function unquoted(line: string): string {
  return line.replace(/^(?:\s*[>#|])+/, '').trim();
}

export function stripListFooters(text: string): string {
  const lines = text.split('\n');
  for (;;) {
    while (lines.length > 0 && unquoted(lines[lines.length - 1]!) === '') lines.pop();
    if (lines.length === 0) return '';
    // A list footer of just one address line (e.g. `http://xent.com/mailman/listinfo/fork`).
    if (/^\S*listinfo\S*$/i.test(unquoted(lines[lines.length - 1]!))) {
      lines.pop();
      continue;
    }
    let cut = -1;
    for (let i = lines.length - 1; i >= Math.max(0, lines.length - MAX_FOOTER_LINES - 1); i--) {
      if (FOOTER_DELIMITER.test(unquoted(lines[i]!))) {
        if (LIST_MARKERS.test(lines.slice(i + 1).join('\n'))) cut = i;
        break;
      }
    }
    if (cut < 0) return lines.join('\n');
    lines.length = cut;
  }
}

/** Mail text as the competition shows it: no boundaries or list footers, tidy whitespace, at most `maxChars`. */
export function cleanMailText(text: string, maxChars: number): string {
  const withoutBoundaries = text
    .split('\n')
    .filter((line) => !BOUNDARY_LINE.test(line.trim()))
    .join('\n');
  const tidy = stripListFooters(stripEmbeddedHeaders(withoutBoundaries))
    // Control characters other than newline are noise (and some CSV readers choke on them).
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f\ufffd]/g, ' ')
    .replace(/[ \u00a0]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return truncate(tidy, maxChars);
}

/** At most `maxChars` UTF-16 units, never splitting a surrogate pair. */
export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end).trimEnd();
}

/** `Re: [ILUG] Foo` -> `Re: Foo`: list tags (added by the list server) after any reply or forward prefixes. */
export function stripListTags(subject: string): string {
  // Repeated, for `[ILUG] Re: [ILUG] ...`: each pass removes the tags after the leading prefixes.
  const pass = (s: string) => s.replace(/^((?:\s*(?:re|fwd?|aw)\s*(?:\[\d+\])?\s*:)*)\s*(?:\[[^\]]{1,40}\]\s*)+/i, '$1 ');
  let out = subject;
  for (let next = pass(out); next !== out; next = pass(out)) out = next;
  return out.replace(/\s+/g, ' ').trim();
}
