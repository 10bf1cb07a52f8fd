import { describe, expect, test } from "bun:test";
import { createPrng } from "../../../src/lib/prng.ts";
import { type MemberMeta, readMeta, writeMeta } from "../../../src/storage/index.ts";
import { preparedDisk } from "./helpers.ts";

const metaPath = "/data/member/meta";

const meta: MemberMeta = {
  clusterId: 0xcdf8_18a1_94d1_8e9cn,
  memberId: 0xffff_ffff_ffff_fffen,
  name: "infra1",
  peers: [
    {
      id: 0xffff_ffff_ffff_fffen,
      name: "infra1",
      peerURLs: ["http://127.0.0.1:7001"],
      clientURLs: ["http://127.0.0.1:4001"],
    },
    { id: 2n, name: "infra2", peerURLs: ["http://10.0.0.2:7001"], clientURLs: [] },
  ],
};

describe("member meta", () => {
  test("round-trips with 64-bit ids", async () => {
    const fs = await preparedDisk();
    expect(await readMeta(fs, metaPath)).toBeNull();
    await writeMeta(fs, metaPath, meta);
    expect(await readMeta(fs, metaPath)).toEqual(meta);
  });

  test("a replaced meta file is either old or new after a crash", async () => {
    const fs = await preparedDisk();
    await writeMeta(fs, metaPath, meta);
    const renamed = { ...meta, name: "renamed" };
    await writeMeta(fs, metaPath, renamed);
    fs.crash(createPrng(1));
    expect(await readMeta(fs, metaPath)).toEqual(renamed);
    let fsyncs = 0;
    fs.setFaultHook((operation) => (operation === "fsyncDir" && ++fsyncs === 1 ? "EIO" : null));
    await expect(writeMeta(fs, metaPath, meta)).rejects.toThrow("EIO");
    fs.setFaultHook(null);
    fs.crash(createPrng(2));
    expect(await readMeta(fs, metaPath)).toEqual(renamed);
  });

  test("a damaged meta file is refused with a clear error", async () => {
    const fs = await preparedDisk();
    await writeMeta(fs, metaPath, meta);
    fs.corruptByte(metaPath, 20, 0x01);
    await expect(readMeta(fs, metaPath)).rejects.toThrow(
      /^Cannot read member meta \/data\/member\/meta: .*; the data dir is damaged$/,
    );
  });
});
