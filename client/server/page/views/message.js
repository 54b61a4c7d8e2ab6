// One chat message of the transcript (sent or received): its role, its content with ``` fenced
// code shown as code blocks, its tool calls with their arguments pretty-printed. Long messages
// start collapsed. This is where most agent-written text lands, and all of it is inserted as text.
import { h, token } from '../lib/dom.js';
import { fmtInt } from '../lib/format.js';

/** A message longer than this is shown collapsed, with a button to expand it. */
const LONG_CHARS = 1200;
const LONG_LINES = 24;

export function messageBubble(message, finishReason) {
  const role = String(message.role ?? 'unknown');
  const bubble = h('div', { class: `msg role-${token(role)}`, 'data-role': role });
  const body = h('div', { class: 'msg-body' });
  const text = contentText(message.content);
  body.append(...contentNodes(message.content));
  for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) body.append(toolCall(call));
  if (message.function_call) body.append(toolCall({ function: message.function_call }));
  if (!body.childElementCount && !text)
    body.append(h('span', { class: 'muted' }, message.refusal ? `refused: ${message.refusal}` : '(empty)'));

  const lines = text.split('\n').length;
  const long = text.length > LONG_CHARS || lines > LONG_LINES;
  bubble.append(
    h(
      'div',
      { class: 'msg-head' },
      h('span', { class: 'role' }, role),
      message.name ? h('span', { class: 'muted' }, String(message.name)) : null,
      message.tool_call_id ? h('span', { class: 'muted mono' }, `for ${message.tool_call_id}`) : null,
      text ? h('span', { class: 'muted small' }, `${fmtInt(text.length)} chars`) : null,
      finishReason && finishReason !== 'stop' ? h('span', { class: 'muted small' }, `finish: ${finishReason}`) : null,
    ),
    body,
  );
  if (long) {
    bubble.classList.add('collapsed');
    const toggle = h('button', { type: 'button', class: 'toggle' }, `Show all ${fmtInt(lines)} lines`);
    toggle.addEventListener('click', () => {
      const collapsed = bubble.classList.toggle('collapsed');
      toggle.textContent = collapsed ? `Show all ${fmtInt(lines)} lines` : 'Show less';
    });
    bubble.append(toggle);
  }
  return bubble;
}

function contentText(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('\n');
  return '';
}

/** A message's content: text with ``` fenced code blocks shown as code; other parts named. */
function contentNodes(content) {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return textWithCode(content);
  if (Array.isArray(content)) {
    return content.flatMap((part) => {
      if (part?.type === 'text' && typeof part.text === 'string') return textWithCode(part.text);
      if (part?.type === 'image_url') return [h('div', { class: 'muted small' }, '[an image]')];
      return [h('pre', { class: 'raw' }, JSON.stringify(part, null, 2))];
    });
  }
  return [h('pre', { class: 'raw' }, JSON.stringify(content, null, 2))];
}

function textWithCode(text) {
  const nodes = [];
  const fence = /```([\w+.-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g;
  let at = 0;
  for (const m of text.matchAll(fence)) {
    if (m.index > at) pushText(nodes, text.slice(at, m.index));
    nodes.push(h('pre', { class: 'code', 'data-lang': m[1] || null }, h('code', {}, m[2].replace(/\n$/, ''))));
    at = m.index + m[0].length;
  }
  if (at < text.length) pushText(nodes, text.slice(at));
  return nodes;
}

function pushText(nodes, s) {
  if (s.trim() === '') return;
  nodes.push(h('div', { class: 'text' }, s.replace(/^\n+|\n+$/g, '')));
}

function toolCall(call) {
  const fn = call.function ?? {};
  let args = fn.arguments ?? '';
  if (typeof args === 'string') {
    try {
      args = JSON.stringify(JSON.parse(args), null, 2);
    } catch {
      // not JSON: shown as sent
    }
  } else {
    args = JSON.stringify(args, null, 2);
  }
  return h(
    'div',
    { class: 'tool-call', 'data-tool': fn.name ?? '' },
    h(
      'div',
      { class: 'tool-name' },
      h('span', { class: 'muted' }, 'calls '),
      h('strong', { class: 'mono' }, fn.name ?? '?'),
      call.id ? h('span', { class: 'muted small mono' }, ` ${call.id}`) : null,
    ),
    h('pre', { class: 'code json' }, h('code', {}, args)),
  );
}
