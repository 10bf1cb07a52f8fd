import { describe, expect, test } from "bun:test";
import { createMsgpackCodec } from "../../../src/codec/index.ts";
import {
  decodeConfChangeContext,
  encodeConfChangeContext,
  isMemberCommand,
} from "../../../src/server/member-commands.ts";
import { MemberRegistry } from "../../../src/server/member-registry.ts";
import { decodeStateSnapshot, encodeStateSnapshot } from "../../../src/server/state-snapshot.ts";
import { Store } from "../../../src/store/index.ts";

const codec = createMsgpackCodec();
const urlA = "http://10.0.0.1:7001";
const urlB = "http://10.0.0.2:7001";

describe("MemberRegistry", () => {
  test("adds, publishes, updates and removes members, listing them by id", () => {
    const registry = new MemberRegistry();
    expect(registry.add(9n, "n9", [urlA])).toBeNull();
    expect(registry.add(3n, "", [urlB])).toBeNull();
    expect(registry.publish(3n, "n3", ["http://10.0.0.2:4001"])).toBeNull();
    expect(registry.list().map((member) => [member.id, member.name])).toEqual([
      [3n, "n3"],
      [9n, "n9"],
    ]);
    expect(registry.get(3n)?.clientURLs).toEqual(["http://10.0.0.2:4001"]);
    expect(registry.updatePeerURLs(9n, ["http://10.0.0.9:7001"])).toBeNull();
    expect(registry.get(9n)?.peerURLs).toEqual(["http://10.0.0.9:7001"]);
    expect(registry.remove(9n)).toBeNull();
    expect(registry.has(9n)).toBe(false);
    expect(registry.isRemoved(9n)).toBe(true);
  });

  test("refuses what etcd refuses and changes nothing", () => {
    const registry = new MemberRegistry();
    registry.add(1n, "n1", [urlA]);
    const before = registry.toSnapshot();
    expect(registry.add(1n, "again", [urlB])).toBe("idExists");
    expect(registry.add(2n, "n2", [urlA])).toBe("peerUrlExists");
    expect(registry.remove(5n)).toBe("idNotFound");
    expect(registry.updatePeerURLs(5n, [urlB])).toBe("idNotFound");
    registry.add(2n, "n2", [urlB]);
    expect(registry.updatePeerURLs(2n, [urlA])).toBe("peerUrlExists");
    // A member may keep its own URL when updating.
    expect(registry.updatePeerURLs(2n, [urlB])).toBeNull();
    registry.remove(2n);
    expect(registry.add(2n, "back", ["http://10.0.0.3:7001"])).toBe("idRemoved");
    expect(registry.remove(2n)).toBe("idRemoved");
    expect(registry.publish(2n, "n2", [])).toBe("idRemoved");
    expect(registry.toSnapshot().members).toEqual(before.members);
  });

  test("a snapshot restores the list and the removed ids exactly", () => {
    const registry = new MemberRegistry();
    registry.add(1n, "n1", [urlA]);
    registry.add(2n, "n2", [urlB]);
    registry.remove(2n);
    const copy = MemberRegistry.fromSnapshot(registry.toSnapshot());
    expect(copy.toSnapshot()).toEqual(registry.toSnapshot());
    expect(copy.isRemoved(2n)).toBe(true);
  });
});

describe("membership in the log", () => {
  test("a conf change context round-trips; an empty one means a founder of an old log", () => {
    const context = { proposer: 0xabcdefn, requestId: 7, name: "n4", peerURLs: [urlA] };
    expect(decodeConfChangeContext(codec, encodeConfChangeContext(codec, context))).toEqual(
      context,
    );
    expect(decodeConfChangeContext(codec, new Uint8Array())).toBeNull();
  });

  test("member commands are recognised by shape", () => {
    const publish = { op: "publishMember", memberId: 1n, name: "n1", clientURLs: [urlA] };
    expect(isMemberCommand(publish)).toBe(true);
    expect(isMemberCommand({ ...publish, memberId: 1 })).toBe(false);
    expect(isMemberCommand({ op: "updateMemberPeers", memberId: 1n, peerURLs: [urlB] })).toBe(
      true,
    );
    expect(isMemberCommand({ op: "updateMemberPeers", memberId: 1n, peerURLs: [3] })).toBe(false);
    expect(isMemberCommand({ op: "set", memberId: 1n })).toBe(false);
  });

  test("snapshot data carries store and members; an old store-only snapshot still restores", () => {
    const store = new Store({ historyEventsMax: 10, watchersMax: 10, nodesMax: 100 });
    store.apply(
      { op: "set", key: "/a", value: "1", dir: false, ttlSeconds: null, refresh: false },
      1,
      0,
    );
    const registry = new MemberRegistry();
    registry.add(1n, "n1", [urlA]);
    const bytes = encodeStateSnapshot(codec, {
      store: store.toSnapshot(),
      members: registry.toSnapshot(),
    });
    const decoded = decodeStateSnapshot(codec, bytes);
    expect(decoded.members).toEqual(registry.toSnapshot());
    expect(decoded.store).toEqual(store.toSnapshot());
    const legacy = decodeStateSnapshot(codec, codec.pack(store.toSnapshot()));
    expect(legacy.members).toBeNull();
    expect(legacy.store).toEqual(store.toSnapshot());
  });
});
