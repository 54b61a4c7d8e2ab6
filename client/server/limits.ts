/**
 * Per-user limits, checked when a group would start: running groups, agent containers at once,
 * and LLM dollars reserved over the last 24 hours. The figures come from the memos of the user's
 * groups in Temporal (what each group asked when it started), so the server keeps no count of
 * its own; one user's starts are checked one at a time, so two requests cannot both squeeze in.
 */
import { MAX_PAGE, type Client, type GroupAdmission, type RunGroupStatus } from '../sdk';
import { AccessRefusal, type ApiUser } from './access';

const DAY_MS = 24 * 3600 * 1000;
const usd = (n: number) => `$${n.toFixed(2)}`;

/** Every group of the user's matching the listing, page by page, stopping once `enough` says so. */
async function groupsOf(
  client: Client,
  owner: string,
  filter: { running?: boolean; startedAfter?: Date },
  enough: (seen: RunGroupStatus[]) => boolean,
): Promise<RunGroupStatus[]> {
  const seen: RunGroupStatus[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.listRunsPage({ owner, ...filter, limit: MAX_PAGE, pageToken });
    seen.push(...page.groups);
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken && !enough(seen));
  return seen;
}

/** A group this server started, until Temporal's listings (eventually consistent) show it. */
interface RecentStart {
  id: string;
  at: number;
  containers: number;
  llmDollars: number | null;
}
const RECENT_MS = 60_000;

/** The listed groups, and recent starts the listing does not show yet. */
function withRecent(listed: RunGroupStatus[], recent: RecentStart[]): Pick<RunGroupStatus, 'id' | 'containers' | 'llmDollars'>[] {
  const ids = new Set(listed.map((g) => g.id));
  return [...listed, ...recent.filter((r) => !ids.has(r.id))];
}

/** Throws 429 (403 for a group no limit can admit) naming the limit the new group would pass. */
export async function checkUserLimits(
  client: Client,
  user: ApiUser,
  group: GroupAdmission,
  recent: RecentStart[] = [],
  now = new Date(),
): Promise<void> {
  const { runningGroups, agentContainers, llmDollarsPerDay } = user.limits;
  const who = `user "${user.name}"`;
  if (agentContainers !== undefined && group.containers > agentContainers) {
    throw new AccessRefusal(
      403,
      `limit agent_containers of ${who} is ${agentContainers}: this group asks ${group.containers} at once (n_workers); ask for at most ${agentContainers}`,
    );
  }
  if (llmDollarsPerDay !== undefined && group.llmAgent && group.llmDollars === null) {
    throw new AccessRefusal(
      403,
      `limit llm_dollars_per_day of ${who} is ${usd(llmDollarsPerDay)}: agent ${group.agentId} calls an LLM, so give llm_budget.max_dollars per run`,
    );
  }
  if (runningGroups !== undefined || agentContainers !== undefined) {
    // Each running group holds a container at least: enough is seen once either limit is passed.
    const listed = await groupsOf(
      client,
      user.name,
      { running: true },
      (seen) => seen.length > (runningGroups ?? Infinity) || seen.length > (agentContainers ?? Infinity),
    );
    const running = withRecent(listed, recent);
    if (runningGroups !== undefined && running.length + 1 > runningGroups) {
      throw new AccessRefusal(
        429,
        `limit running_groups of ${who} is ${runningGroups}: ${running.length} running now; start this one when one of them ends`,
      );
    }
    const inUse = running.reduce((sum, g) => sum + (g.containers ?? 1), 0);
    if (agentContainers !== undefined && inUse + group.containers > agentContainers) {
      throw new AccessRefusal(
        429,
        `limit agent_containers of ${who} is ${agentContainers}: ${inUse} in use by running groups, this group asks ${group.containers}`,
      );
    }
  }
  if (llmDollarsPerDay !== undefined && group.llmDollars) {
    const started = withRecent(await groupsOf(client, user.name, { startedAfter: new Date(now.getTime() - DAY_MS) }, () => false), recent);
    const reserved = started.reduce((sum, g) => sum + (g.llmDollars ?? 0), 0);
    if (reserved + group.llmDollars > llmDollarsPerDay) {
      throw new AccessRefusal(
        429,
        `limit llm_dollars_per_day of ${who} is ${usd(llmDollarsPerDay)}: ${usd(reserved)} reserved by groups started in the last 24 hours, this group reserves ${usd(group.llmDollars)} (${group.runs} runs × the per-run budget)`,
      );
    }
  }
}

/**
 * Starts groups within their users' limits: one start at a time per user (the check and the
 * start together), and a started group counted until the listings show it.
 */
export class GroupAdmissions {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly recent = new Map<string, RecentStart[]>();

  constructor(private readonly client: Client) {}

  /** `start` is handed the check to run on what the group asks (the SDK's `admit`). */
  async start(user: ApiUser, start: (admit: (group: GroupAdmission) => Promise<void>) => Promise<string>): Promise<string> {
    return this.oneAtATime(user.name, async () => {
      let admitted: GroupAdmission | undefined;
      const recent = (this.recent.get(user.name) ?? []).filter((r) => Date.now() - r.at < RECENT_MS);
      const id = await start(async (group) => {
        await checkUserLimits(this.client, user, group, recent);
        admitted = group;
      });
      if (admitted)
        this.recent.set(user.name, [...recent, { id, at: Date.now(), containers: admitted.containers, llmDollars: admitted.llmDollars }]);
      return id;
    });
  }

  private async oneAtATime<T>(user: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(user) ?? Promise.resolve();
    const result = before.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(user, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(user) === tail) this.tails.delete(user);
    }
  }
}
