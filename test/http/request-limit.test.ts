import { afterEach, expect, test } from "bun:test";
import { createApp, listen, type Listening } from "../../src/http/index.ts";
import { silentLogger } from "../../src/lib/log.ts";
import { defaultLimits } from "../../src/limits.ts";
import { MemoryNode } from "../support/memory-node.ts";
import { pollUntil } from "../support/server-process.ts";

let server: Listening | null = null;
const controllers: AbortController[] = [];
afterEach(async () => {
  for (const controller of controllers.splice(0)) controller.abort();
  await server?.stop();
  server = null;
});

test("requests past --client-connections-max get 503 errorCode 406 and change nothing", async () => {
  const node = new MemoryNode(defaultLimits);
  const app = createApp({ node, limits: defaultLimits, logger: silentLogger, version: "test" });
  server = listen(app, { hostname: "127.0.0.1", port: 0, requestsInFlightMax: 2 });
  const base = `http://127.0.0.1:${server.port}`;
  // Two open watches hold both slots.
  for (let watch = 0; watch < 2; watch++) {
    const controller = new AbortController();
    controllers.push(controller);
    void fetch(`${base}/v2/keys/w${watch}?wait=true`, { signal: controller.signal }).catch(
      () => undefined,
    );
  }
  await pollUntil(() => node.store.stats().watchers === 2, 5000, "both watches to register");
  const refused = await fetch(`${base}/v2/keys/x`, { method: "PUT", body: "value=1" });
  expect(refused.status).toBe(503);
  expect(await refused.json()).toMatchObject({
    errorCode: 406,
    message: "Too many requests in flight",
  });
  expect(node.store.index).toBe(0);
  // Once a watch ends, requests are served again.
  controllers.shift()?.abort();
  await pollUntil(
    async () => (await fetch(`${base}/v2/keys/`)).status === 200,
    5000,
    "a slot to free up",
  );
});
