/**
 * Prometheus text as the Temporal server (`--metrics-port`) and a harness worker
 * (`MLEBENCH_METRICS_PORT`) serve it on `/metrics`: fetched, and one metric's samples summed.
 */

/** The `/metrics` text at `address` (`host:port`). */
export async function scrapeMetrics(address: string): Promise<string> {
  const url = `http://${address}/metrics`;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`scraping ${url}: HTTP ${response.status}`);
  return response.text();
}

export interface MetricSample {
  labels: Record<string, string>;
  value: number;
}

/** Every sample of the metric `name` (exactly that name: a histogram's `_count` is its own name). */
export function metricSamples(text: string, name: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const close = line.lastIndexOf('}');
    const labelText = line[name.length] === '{' ? line.slice(name.length + 1, close) : '';
    const labels: Record<string, string> = {};
    for (const m of labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!;
    const value = Number(
      line
        .slice(close >= 0 ? close + 1 : name.length)
        .trim()
        .split(' ')[0],
    );
    samples.push({ labels, value });
  }
  return samples;
}

/** The sum of the metric's samples whose labels include `where`; null when no sample matches. */
export function metricSum(text: string, name: string, where: Record<string, string> = {}): number | null {
  const matching = metricSamples(text, name).filter((s) => Object.entries(where).every(([k, v]) => s.labels[k] === v));
  return matching.length ? matching.reduce((sum, s) => sum + s.value, 0) : null;
}

/** Queries the server's frontend has answered so far (any workflow, any client). */
export function serverQueries(text: string): number {
  return metricSum(text, 'service_latency_count', { operation: 'QueryWorkflow', service_name: 'frontend' }) ?? 0;
}
