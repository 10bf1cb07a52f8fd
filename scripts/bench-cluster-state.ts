/**
 * @module
 * One look at a cluster started by `scripts/bench-vs-etcd.sh`: is it fully up, and which member
 * leads? It uses only the v2 API, so it works for etcd (`--enable-v2`) and cairn alike.
 *
 *   bun scripts/bench-cluster-state.ts <member count> <client url>...
 *
 * The cluster is up when every member answers `/v2/stats/self`, exactly one of them says
 * `StateLeader`, every member names that one as its leader, every member's `/v2/members` lists
 * `<member count>` members each with a client URL, and a `quorum=true` GET succeeds through every
 * member. Then this prints the leader's client URL and exits 0; otherwise it prints why on stderr
 * and exits 1. It looks once: the shell script polls it until its own deadline.
 */

interface SelfStats {
  readonly id: string;
  readonly state: string;
  readonly leaderInfo?: { readonly leader?: string };
}

interface MemberList {
  readonly members: readonly { readonly id: string; readonly clientURLs: readonly string[] }[];
}

/** Each request of one look gets this long; a member that takes longer is not up. */
const requestTimeoutMs = 2000;

const [countText, ...endpoints] = process.argv.slice(2);
const memberCount = Number(countText);
if (!Number.isInteger(memberCount) || memberCount < 1 || endpoints.length !== memberCount) {
  console.error("usage: bench-cluster-state.ts <member count> <client url> (one per member)");
  process.exit(2);
}
try {
  console.log(await leaderEndpoint(memberCount, endpoints));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

// --- internal ---

/**
 * The client URL of the leader, once the cluster is fully up.
 * @throws {Error} saying what is not up yet.
 */
async function leaderEndpoint(count: number, urls: readonly string[]): Promise<string> {
  const selves = await Promise.all(
    urls.map(async (url) => (await getJson(`${url}/v2/stats/self`)) as SelfStats),
  );
  const leaderIndexes = selves.flatMap((self, index) =>
    self.state === "StateLeader" ? [index] : [],
  );
  const leaderIndex = leaderIndexes[0];
  if (leaderIndexes.length !== 1 || leaderIndex === undefined) {
    throw new Error(`No single leader yet: ${leaderIndexes.length} members say StateLeader`);
  }
  const leaderId = selves[leaderIndex]?.id ?? "";
  const strays = urls.filter((_, index) => selves[index]?.leaderInfo?.leader !== leaderId);
  if (strays.length > 0) {
    throw new Error(`Not following leader ${leaderId} yet: ${strays.join(" ")}`);
  }
  for (const url of urls) {
    const list = (await getJson(`${url}/v2/members`)) as MemberList;
    const published = list.members.filter((member) => member.clientURLs.length > 0);
    if (list.members.length !== count || published.length !== count) {
      throw new Error(
        `Membership not complete at ${url}: ${list.members.length} members, ` +
          `${published.length} with client URLs, expected ${count}`,
      );
    }
  }
  await Promise.all(urls.map((url) => getJson(`${url}/v2/keys/?quorum=true`)));
  return urls[leaderIndex] ?? "";
}

/**
 * GETs a JSON body.
 * @throws {Error} when the request fails, times out or answers other than 200.
 */
async function getJson(url: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(requestTimeoutMs) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot GET ${url}: ${reason}`);
  }
  if (response.status !== 200) {
    throw new Error(`Cannot use ${url}: it answered ${response.status} ${await response.text()}`);
  }
  return response.json();
}
