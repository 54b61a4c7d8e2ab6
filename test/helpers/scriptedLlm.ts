/**
 * A scripted OpenAI-compatible upstream (real HTTP, node:http) that answers Chat Completions the
 * way AIDE 0.2.2 needs: a plan and one fenced python block for its draft, improve and debug
 * prompts (the n-th such request gets solutions[n mod length]), and a forced `submit_review` tool
 * call for its review prompts, whose metric is the "Validation ...: <number>" the executed code
 * printed (a traceback or no such line is reviewed as a bug). Every request is recorded, so tests
 * can check the bearer token and the model names that reached it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type OpenAI from 'openai';

type ChatCompletion = OpenAI.Chat.Completions.ChatCompletion;

/** The solutions for a tabular binary competition scored by AUC (spambase): ids and target from the sample submission. */
const solution = (plan: string, imports: string, model: string) => `${plan}
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
${imports}

train = pd.read_csv("./input/train.csv")
test = pd.read_csv("./input/test.csv")
sample = pd.read_csv("./input/sample_submission.csv")
id_col, target = sample.columns[0], sample.columns[1]
features = [c for c in test.columns if c != id_col and pd.api.types.is_numeric_dtype(test[c])]
X, y = train[features].fillna(0), train[target]
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
model = ${model}
model.fit(X_tr, y_tr)
print(f"Validation AUC: {roc_auc_score(y_va, model.predict_proba(X_va)[:, 1]):.5f}")
model.fit(X, y)
pred = model.predict_proba(test[features].fillna(0))[:, 1]
pd.DataFrame({id_col: test[id_col], target: pred}).to_csv("./working/submission.csv", index=False)
`;

/** Gradient boosting first (the better AUC on spambase), then a linear model: the best node is not the last. */
export const SPAMBASE_SOLUTIONS: readonly string[] = [
  solution(
    '# gradient boosting',
    'from sklearn.ensemble import HistGradientBoostingClassifier',
    'HistGradientBoostingClassifier(max_iter=200, random_state=0)',
  ),
  solution(
    '# logistic regression',
    'from sklearn.linear_model import LogisticRegression\nfrom sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler',
    'make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))',
  ),
];

export interface ScriptedLlmOptions {
  /** Listen address: 127.0.0.1 (default), a Docker bridge's gateway IP, 0.0.0.0... */
  host?: string;
  port?: number;
  /** Code of the successive draft/improve/debug answers, cycling (default: SPAMBASE_SOLUTIONS). */
  solutions?: readonly string[];
  /** The model named in replies (default: the request's). */
  model?: string;
  /** What the reviews say of the metric's direction (default false: higher is better, as AUC). */
  lowerIsBetter?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body ({} for a GET or a body that is not JSON). */
  body: Record<string, unknown>;
  kind: 'code' | 'review' | 'models' | 'other';
}

export interface ScriptedLlm {
  /** The base URL an OpenAI client takes: `http://<host>:<port>/v1`. */
  url: string;
  host: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

interface ChatBody {
  model?: string;
  stream?: boolean;
  messages?: { role: string; content: unknown }[];
  tools?: { function?: { name?: string } }[];
}

const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

/** The review's verdict from the prompt's "Execution output" section (AIDE puts the code before it). */
export function reviewOf(
  prompt: string,
  lowerIsBetter: boolean,
): { is_bug: boolean; summary: string; metric: number | null; lower_is_better: boolean } {
  const output = prompt.slice(prompt.lastIndexOf('Execution output'));
  const values = [...output.matchAll(/validation[^\n:]*:\s*(-?\d+(?:\.\d+)?(?:[eE]-?\d+)?)/gi)].map((m) => Number(m[1]));
  const failed = /Traceback|Error:/.test(output);
  if (failed || values.length === 0) {
    return {
      is_bug: true,
      summary: failed ? 'The script failed: fix the error in its output.' : 'The script printed no validation metric.',
      metric: null,
      lower_is_better: lowerIsBetter,
    };
  }
  const metric = values[values.length - 1]!;
  return { is_bug: false, summary: `The script ran and reached a validation metric of ${metric}.`, metric, lower_is_better: lowerIsBetter };
}

function completion(
  model: string,
  n: number,
  prompt: string,
  message: ChatCompletion['choices'][number]['message'],
  finish: 'stop' | 'tool_calls',
): ChatCompletion {
  const out = tokens(JSON.stringify(message));
  const inTokens = tokens(prompt);
  return {
    id: `chatcmpl-scripted-${n}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finish, logprobs: null }],
    usage: { prompt_tokens: inTokens, completion_tokens: out, total_tokens: inTokens + out },
  };
}

export async function startScriptedLlm(opts: ScriptedLlmOptions = {}): Promise<ScriptedLlm> {
  const host = opts.host ?? '127.0.0.1';
  const solutions = opts.solutions ?? SPAMBASE_SOLUTIONS;
  if (solutions.length === 0) throw new Error('startScriptedLlm: solutions must not be empty');
  const requests: RecordedRequest[] = [];
  let codeAnswers = 0;
  let replies = 0;

  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const error = (res: http.ServerResponse, status: number, message: string) =>
    send(res, status, { error: { message, type: 'invalid_request_error', param: null, code: null } });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const record: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body: {}, kind: 'other' };
      requests.push(record);
      if (req.method === 'GET' && path.endsWith('/models')) {
        record.kind = 'models';
        return send(res, 200, {
          object: 'list',
          data: [{ id: opts.model ?? 'scripted', object: 'model', created: 0, owned_by: 'scripted' }],
        });
      }
      if (req.method !== 'POST' || !path.endsWith('/chat/completions')) return error(res, 404, `no route ${req.method} ${path}`);
      let body: ChatBody;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody;
      } catch (err) {
        return error(res, 400, `the body is not JSON: ${(err as Error).message}`);
      }
      record.body = body as Record<string, unknown>;
      if (body.stream) return error(res, 400, 'this scripted upstream does not stream');
      const prompt = (body.messages ?? []).map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
      const model = opts.model ?? body.model ?? 'scripted';
      replies += 1;
      const review = body.tools?.find((t) => t.function?.name === 'submit_review');
      if (review) {
        record.kind = 'review';
        const args = JSON.stringify(reviewOf(prompt, opts.lowerIsBetter ?? false));
        const toolCall = { id: `call_${replies}`, type: 'function' as const, function: { name: 'submit_review', arguments: args } };
        return send(
          res,
          200,
          completion(model, replies, prompt, { role: 'assistant', content: null, refusal: null, tool_calls: [toolCall] }, 'tool_calls'),
        );
      }
      record.kind = 'code';
      const code = solutions[codeAnswers % solutions.length]!;
      codeAnswers += 1;
      const text = `Plan ${codeAnswers}: train a scikit-learn model on ./input/train.csv, print its validation metric on a hold-out split, refit on all rows and write ./working/submission.csv.\n\n\`\`\`python\n${code}\`\`\`\n`;
      return send(res, 200, completion(model, replies, prompt, { role: 'assistant', content: text, refusal: null }, 'stop'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    host,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
