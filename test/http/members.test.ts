/**
 * Runtime membership requests (`/v2/members` POST, PUT, DELETE) as etcd 3.4 answers them: the
 * JSON body and its checks for every driver, and the success and refusal answers on a member
 * whose list the test can see.
 */
import { expect, test } from "bun:test";
import { type Reply, get, send } from "../support/http-client.ts";
import { describeMatrix } from "../support/http-matrix.ts";

function postJson(target: Parameters<typeof send>[0], path: string, body: string): Promise<Reply> {
  return send(target, "POST", path, { body, contentType: "application/json" });
}

describeMatrix("membership requests are checked like etcd's", (target) => {
  test("a body that is not JSON, or not peer URLs, is refused and changes nothing", async () => {
    const before = await get(target(), "/v2/members");
    const plain = await send(target(), "POST", "/v2/members", {
      body: '{"peerURLs":["http://127.0.0.1:1"]}',
      contentType: "text/plain",
    });
    expect(plain.status).toBe(415);
    expect(plain.text).toBe('{"message":"Bad Content-Type text/plain, accept application/json"}');
    expect(plain.headers.get("x-etcd-cluster-id")).toMatch(/^[0-9a-f]{1,16}$/);
    const cases: [string, string][] = [
      ["{", ""],
      ["{}", "no valid URLs given"],
      ['{"peerURLs":[]}', "no valid URLs given"],
      ['{"peerURLs":"http://127.0.0.1:1"}', "peerURLs must be a list of strings"],
      ['{"peerURLs":["ftp://127.0.0.1:1"]}', "URL scheme must be http or https"],
      ['{"peerURLs":["http://127.0.0.1"]}', 'URL address does not have the form "host:port"'],
      ['{"peerURLs":["http://127.0.0.1:1/p"]}', "URL must not contain a path"],
    ];
    for (const [body, message] of cases) {
      const reply = await postJson(target(), "/v2/members", body);
      expect(reply.status).toBe(400);
      expect(reply.headers.get("content-type")).toBe("application/json");
      expect(String(reply.body["message"])).toContain(message);
    }
    expect((await get(target(), "/v2/members")).body).toEqual(before.body);
  });

  test("unknown ids are 404, a missing id is 405, other methods are 405", async () => {
    const remove = await send(target(), "DELETE", "/v2/members/00000000000000ab");
    expect(remove.status).toBe(404);
    expect(remove.text).toBe('{"message":"No such member: ab"}');
    const garbage = await send(target(), "DELETE", "/v2/members/not-hex");
    expect(garbage.status).toBe(404);
    expect(garbage.text).toBe('{"message":"No such member: not-hex"}');
    const update = await send(target(), "PUT", "/v2/members/00000000000000ab", {
      body: '{"peerURLs":["http://127.0.0.1:1"]}',
      contentType: "application/json",
    });
    expect(update.status).toBe(404);
    const noId = await send(target(), "DELETE", "/v2/members");
    expect(noId.status).toBe(405);
    expect(noId.text).toBe("Method Not Allowed\n");
    const head = await send(target(), "PATCH", "/v2/members");
    expect(head.status).toBe(405);
    expect(head.headers.get("allow")).toBe("GET,POST,DELETE,PUT");
  });
});

describeMatrix(
  "membership changes on a member whose list the test sees",
  (target) => {
    test("POST adds (201), PUT updates (204), DELETE removes (204), then 410; 409s", async () => {
      const body = '{"peerURLs":["http://10.0.0.9:7001"]}';
      const added = await postJson(target(), "/v2/members", body);
      expect(added.status).toBe(201);
      expect(added.text.endsWith("}\n")).toBe(true);
      expect(added.body).toMatchObject({
        name: "",
        peerURLs: ["http://10.0.0.9:7001"],
        clientURLs: [],
      });
      const id = String(added.body["id"]);
      const again = await postJson(target(), "/v2/members", body);
      expect(again.status).toBe(409);
      expect(again.text).toBe('{"message":"membership: peerURL exists"}');
      const moved = await send(target(), "PUT", `/v2/members/${id}`, {
        body: '{"peerURLs":["http://10.0.0.10:7001"]}',
        contentType: "application/json",
      });
      expect(moved.status).toBe(204);
      expect(moved.text).toBe("");
      const listed = (await get(target(), "/v2/members")).body["members"] as {
        id: string;
        peerURLs: string[];
      }[];
      const movedTo = listed.find((member) => member.id === id)?.peerURLs;
      expect(movedTo).toEqual(["http://10.0.0.10:7001"]);
      expect((await send(target(), "DELETE", `/v2/members/${id}`)).status).toBe(204);
      const gone = await send(target(), "DELETE", `/v2/members/${id}`);
      expect(gone.status).toBe(410);
      expect(gone.text).toBe(`{"message":"Member permanently removed: ${id}"}`);
      expect(((await get(target(), "/v2/members")).body["members"] as unknown[]).length).toBe(1);
    });
  },
  { needsNode: true },
);
