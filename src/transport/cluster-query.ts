/**
 * @module
 * The one question a member joining a running cluster asks before it has an id: "which cluster
 * is this, and who is in it?". It dials a peer URL, sends a cluster query, and reads the answer.
 */
import { createMsgpackCodec } from "../codec/index.ts";
import { FrameDecoder } from "./frame-decoder.ts";
import { parsePeerUrl } from "./peer-url.ts";
import {
  type ClusterInfo,
  PeerFrameType,
  decodeClusterInfo,
  decodeReject,
  encodeClusterQuery,
} from "./wire.ts";

export interface ClusterQueryOptions {
  readonly frameBytesMax: number;
  /** How long the whole exchange may take. */
  readonly timeoutMs: number;
}

/**
 * Asks the member at `peerUrl` for the cluster's id and member list.
 * @throws {Error} (as a rejection) naming the URL when it cannot be reached, refuses, answers
 *   something malformed, or does not answer within the timeout.
 */
export function queryClusterInfo(
  peerUrl: string,
  options: ClusterQueryOptions,
): Promise<ClusterInfo> {
  const { hostname, port } = parsePeerUrl(peerUrl);
  const codec = createMsgpackCodec();
  const decoder = new FrameDecoder(options.frameBytesMax);
  return new Promise<ClusterInfo>((resolve, reject) => {
    let settled = false;
    let closeSocket = (): void => {};
    const settle = (outcome: ClusterInfo | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      closeSocket();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const fail = (reason: string): void => {
      settle(new Error(`Cannot ask ${peerUrl} for the cluster's members: ${reason}`));
    };
    const timer = setTimeout(
      () => fail(`no answer within ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    Bun.connect<undefined>({
      hostname,
      port,
      socket: {
        open: (socket) => {
          closeSocket = () => socket.end();
          socket.write(encodeClusterQuery(codec));
        },
        data: (_socket, data) => {
          const result = decoder.push(data);
          const frame = result.frames[0];
          if (frame === undefined) {
            if (result.error !== undefined) fail(`corrupt answer: ${result.error}`);
            return;
          }
          try {
            if (frame.type === PeerFrameType.clusterInfo) settle(decodeClusterInfo(codec, frame));
            else if (frame.type === PeerFrameType.reject) {
              fail(`refused: ${decodeReject(codec, frame)}`);
            } else fail(`unexpected frame type ${frame.type}`);
          } catch (error) {
            fail(error instanceof Error ? error.message : String(error));
          }
        },
        close: () => fail("connection closed before an answer"),
        connectError: (_socket, error) => fail(error.message),
        error: (_socket, error) => fail(error.message),
      },
    }).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
  });
}
