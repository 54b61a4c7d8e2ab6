// The LLM transcript: the run's logs/llm/rollout.jsonl (one line per model call, written by the
// LLM gateway), shown as a conversation with totals over all calls. Calls are appended as the
// rollout grows, so what a reader expanded stays expanded; a call repeating the previous call's
// conversation folds the repeated messages away. One chat message is drawn by message.js.
/* global TextEncoder */
import { api, artifactHref } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { fmtCost, fmtInt, time } from '../lib/format.js';
import { messageBubble } from './message.js';

export class Transcript {
  constructor(groupId) {
    this.groupId = groupId;
    this.root = h('section', { class: 'block transcript', id: 'transcript', hidden: true });
    this.totals = h('div', { class: 'transcript-totals' });
    this.list = h('ol', { class: 'calls' });
    this.rawLink = h('span');
    this.root.append(h('div', { class: 'transcript-head' }, h('h2', {}, 'LLM transcript'), this.rawLink), this.totals, this.list);
    this.file = null;
    this.size = -1;
    this.calls = [];
    this.live = false;
  }

  /** Reads the rollout again when its size changed. */
  async update(file, llm, live) {
    this.live = live;
    this.llm = llm;
    if (!file) {
      if (llm) {
        this.root.hidden = false;
        this.totals.replaceChildren(h('p', { class: 'muted' }, 'No transcript file in this run’s folder.'));
      }
      return;
    }
    this.root.hidden = false;
    if (!this.file)
      this.rawLink.replaceChildren(
        h('a', { href: artifactHref(this.groupId, file.path), target: '_blank', rel: 'noopener', class: 'small' }, 'rollout.jsonl'),
      );
    this.file = file;
    if (file.size === this.size) return;
    await this.refresh();
  }

  async refresh() {
    if (!this.file) return;
    let text;
    try {
      text = await api(artifactHref(this.groupId, this.file.path), { as: 'text' });
    } catch (err) {
      this.totals.replaceChildren(h('div', { class: 'callout error' }, `Could not read the transcript: ${err.message}`));
      return;
    }
    this.size = new TextEncoder().encode(text).length;
    // Only whole lines: a line being appended right now is read next time.
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const lines = complete.split('\n').filter((l) => l.trim() !== '');
    for (let i = this.linesRead ?? 0; i < lines.length; i += 1) {
      let call;
      try {
        call = JSON.parse(lines[i]);
      } catch (err) {
        call = { unparsable: lines[i], problem: err.message };
      }
      // The gateway's checkpoints are totals, not calls: refused calls past its cap are counted there only.
      if (call && call.checkpoint !== undefined) {
        this.checkpoint = call;
        continue;
      }
      const index = this.calls.length;
      this.calls.push(call);
      this.list.append(renderCall(call, index, this.calls[index - 1] ?? null));
    }
    this.linesRead = lines.length;
    this.drawTotals();
  }

  drawTotals() {
    const calls = this.calls;
    const tokens = calls.reduce((n, c) => n + (c.usage?.totalTokens ?? 0), 0);
    const prompt = calls.reduce((n, c) => n + (c.usage?.promptTokens ?? 0), 0);
    const completion = calls.reduce((n, c) => n + (c.usage?.completionTokens ?? 0), 0);
    const cost = calls.reduce((n, c) => n + (typeof c.costUsd === 'number' ? c.costUsd : 0), 0);
    const unpriced = calls.filter((c) => c.response && c.costUsd === null).length;
    const errors = calls.filter((c) => c.error).length;
    // Refused calls past the gateway's cap of lines: in its checkpoint's count, not listed.
    const refused = this.checkpoint?.checkpoint?.refusedRequests;
    const unlisted = typeof refused === 'number' ? Math.max(0, refused - calls.filter((c) => c.admitted === false).length) : 0;
    const stats = [
      ['calls', fmtInt(calls.length)],
      ['tokens', fmtInt(tokens)],
      ['prompt', fmtInt(prompt)],
      ['completion', fmtInt(completion)],
      ['cost', fmtCost(Math.round(cost * 1e6) / 1e6, unpriced)],
    ];
    this.totals.replaceChildren(
      h(
        'div',
        { class: 'stat-row', 'data-transcript-totals': '' },
        stats.map(([label, value]) => h('div', { class: 'stat', 'data-stat': label }, h('strong', {}, value), h('span', {}, label))),
        errors
          ? h(
              'div',
              { class: 'stat error', 'data-stat': 'errors' },
              h('strong', {}, fmtInt(errors)),
              h('span', {}, errors === 1 ? 'refused or failed' : 'refused or failed'),
            )
          : null,
        unlisted > 0
          ? h(
              'div',
              { class: 'stat error', 'data-stat': 'unlisted' },
              h('strong', {}, fmtInt(unlisted)),
              h('span', {}, 'more refused, counted only'),
            )
          : null,
      ),
      ...(this.live ? [h('p', { class: 'muted small live-note' }, 'The run is still going: new calls appear as they are made.')] : []),
    );
  }
}

/** How many of this call's messages repeat the previous call's conversation (its messages, then its reply). */
function repeatedPrefix(messages, prev) {
  if (!prev || !Array.isArray(prev.request?.messages)) return 0;
  const before = [...prev.request.messages, ...(prev.response?.choices?.[0]?.message ? [prev.response.choices[0].message] : [])];
  let k = 0;
  while (k < messages.length && k < before.length && sameMessage(messages[k], before[k])) k += 1;
  return k === messages.length ? 0 : k; // never hide the whole request
}

function sameMessage(a, b) {
  const norm = (m) => JSON.stringify([m?.role, m?.content ?? null, m?.tool_calls ?? null, m?.tool_call_id ?? null, m?.name ?? null]);
  return norm(a) === norm(b);
}

/** A body the gateway kept in part (over its rollout cap): its size and its first bytes, as text. */
function truncatedBody(body) {
  return h(
    'div',
    { class: 'truncated' },
    h('p', { class: 'muted' }, `kept in part: ${fmtInt(body.bytes)} bytes, the first of them shown`),
    h('pre', { class: 'raw' }, String(body.head ?? '')),
  );
}

function renderCall(call, index, prev) {
  const n = index + 1;
  if (call.unparsable !== undefined) {
    return h(
      'li',
      { class: 'call has-error', id: `call-${n}` },
      h('div', { class: 'call-head' }, h('span', { class: 'call-no' }, `#${n}`), 'unreadable line'),
      h('pre', { class: 'raw' }, `${call.problem}\n${call.unparsable.slice(0, 2000)}`),
    );
  }
  const req = call.request && typeof call.request === 'object' ? call.request : {};
  const messages = Array.isArray(req.messages) ? req.messages : [];
  const li = h('li', { class: `call${call.error ? ' has-error' : ''}`, id: `call-${n}`, 'data-call': n });

  // Header: number, time, model, tokens, cost, latency.
  const model = req.model ? String(req.model) : '?';
  const usage = call.usage;
  li.append(
    h(
      'div',
      { class: 'call-head' },
      h('a', { class: 'call-no', href: `#call-${n}` }, `#${n}`),
      time(call.ts, { timeOnly: true }),
      h(
        'span',
        { class: 'model', title: call.upstreamModel ? `upstream: ${call.upstreamModel}` : null },
        model,
        call.upstreamModel && call.upstreamModel !== model ? h('span', { class: 'muted' }, ` → ${call.upstreamModel}`) : null,
      ),
      usage ? h('span', { class: 'tokens' }, `${fmtInt(usage.promptTokens)} → ${fmtInt(usage.completionTokens)} tokens`) : null,
      call.response ? h('span', { class: 'cost' }, typeof call.costUsd === 'number' ? fmtCost(call.costUsd) : 'no price') : null,
      typeof call.latencyMs === 'number' ? h('span', { class: 'muted' }, `${fmtInt(call.latencyMs)} ms`) : null,
      call.attempts > 1 ? h('span', { class: 'badge outcome-agent_timeout' }, `${call.attempts} attempts`) : null,
      call.admitted === false ? h('span', { class: 'badge outcome-agent_failed' }, 'refused') : null,
    ),
  );

  // What was sent.
  const sent = h('div', { class: 'sent' });
  const repeated = repeatedPrefix(messages, prev);
  if (repeated > 0) {
    sent.append(
      h(
        'details',
        { class: 'repeated' },
        h('summary', {}, `${repeated} earlier message${repeated === 1 ? '' : 's'}, as in call #${index}`),
        messages.slice(0, repeated).map((m) => messageBubble(m)),
      ),
    );
  }
  sent.append(...messages.slice(repeated).map((m) => messageBubble(m)));
  if (req.truncated) sent.append(truncatedBody(req));
  else if (!messages.length) sent.append(h('pre', { class: 'raw' }, JSON.stringify(req, null, 2)));
  if (Array.isArray(req.tools) && req.tools.length) sent.append(toolsOffered(req.tools, req.tool_choice));
  li.append(h('div', { class: 'section-label' }, 'sent'), sent);

  // The reply, or the error.
  li.append(h('div', { class: 'section-label' }, 'reply'));
  if (call.error) {
    const e = call.error;
    li.append(
      h(
        'div',
        { class: 'call-error', role: 'alert', 'data-error-status': e.status ?? '' },
        h('strong', {}, `HTTP ${e.status ?? '?'} · ${e.type ?? 'error'}`),
        call.budgetExhausted ? h('span', { class: 'badge outcome-agent_failed' }, `${call.budgetExhausted} budget exhausted`) : null,
        h('div', {}, e.message ?? ''),
      ),
    );
  } else if (call.response && call.response.truncated) {
    li.append(truncatedBody(call.response));
  } else if (call.response && Array.isArray(call.response.choices)) {
    const reply = h('div', { class: 'reply' });
    for (const choice of call.response.choices) {
      reply.append(messageBubble(choice.message ?? {}, choice.finish_reason));
    }
    li.append(reply);
  } else if (call.response) {
    li.append(h('pre', { class: 'raw' }, JSON.stringify(call.response, null, 2)));
  } else {
    li.append(h('p', { class: 'muted' }, 'No reply recorded.'));
  }
  return li;
}

function toolsOffered(tools, choice) {
  const names = tools.map((t) => t?.function?.name ?? t?.type ?? '?');
  const forced = choice && typeof choice === 'object' ? choice.function?.name : null;
  return h(
    'details',
    { class: 'tools' },
    h(
      'summary',
      {},
      `tools offered: ${names.join(', ')}`,
      forced ? ` (must call ${forced})` : choice === 'required' ? ' (one must be called)' : '',
    ),
    h('pre', { class: 'code json' }, h('code', {}, JSON.stringify(tools, null, 2))),
  );
}
