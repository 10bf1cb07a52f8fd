/**
 * @module
 * Streaming watches (`stream=true`): one JSON event a line, as etcd 2+ writes them.
 */
import { type HttpResponse, parseJsonBody, readJson } from "./http.ts";
import type { EtcdHeaders, EtcdResult } from "./types.ts";

/**
 * An open streaming watch. The server has registered the watcher once this exists, so writes
 * made after it was opened are seen. Iterate it for events; leaving the loop or `close()` ends
 * the connection.
 */
export interface EtcdWatchStream extends AsyncIterable<EtcdResult> {
  /** The headers of the watch response (`etcdIndex` is the index when the watch started). */
  readonly headers: EtcdHeaders;
  /** Closes the connection; an iteration in progress ends. */
  close(): Promise<void>;
}

/**
 * Wraps a watch response whose headers have arrived.
 * @throws {EtcdClientError} when the server refused the watch (e.g. 401 history cleared).
 */
export async function openWatchStream(sent: HttpResponse): Promise<EtcdWatchStream> {
  const body = sent.response.body;
  if (sent.response.status >= 300 || body === null) {
    await readJson(sent);
    throw new Error(`Cannot watch: the server answered ${sent.response.status} without an error`);
  }
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const close = async (): Promise<void> => {
    await reader.cancel().catch(() => undefined);
  };
  return {
    headers: sent.headers,
    close,
    [Symbol.asyncIterator]: () => readEvents(sent, reader, close),
  };
}

// --- internal ---

async function* readEvents(
  sent: HttpResponse,
  reader: { read(): Promise<{ done: boolean; value?: string | undefined }> },
  close: () => Promise<void>,
): AsyncGenerator<EtcdResult> {
  let buffered = "";
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffered += chunk.value ?? "";
      for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== "") yield toResult(sent, line);
      }
    }
    if (buffered.trim() !== "") yield toResult(sent, buffered.trim());
  } finally {
    await close();
  }
}

function toResult(sent: HttpResponse, line: string): EtcdResult {
  const body = parseJsonBody(sent, line) as Omit<EtcdResult, "status" | "headers">;
  return { ...body, status: sent.response.status, headers: sent.headers };
}
