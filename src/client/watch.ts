/**
 * @module
 * Reads a `stream=true` watch response: one JSON event a line, as etcd 2+ writes them.
 */
import { type HttpResponse, parseJsonBody, readJson } from "./http.ts";
import type { EtcdResult } from "./types.ts";

/**
 * Yields each event of a streaming watch response as it arrives. Returning from the loop that
 * consumes it cancels the body, which closes the connection.
 * @throws {EtcdClientError} when the server refused the watch (e.g. 401 history cleared).
 */
export async function* readWatchStream(sent: HttpResponse): AsyncGenerator<EtcdResult> {
  if (sent.response.status >= 300 || sent.response.body === null) {
    await readJson(sent);
    return;
  }
  const reader = sent.response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buffered += chunk.value;
      for (let newline = buffered.indexOf("\n"); newline >= 0; newline = buffered.indexOf("\n")) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== "") yield toResult(sent, line);
      }
    }
    if (buffered.trim() !== "") yield toResult(sent, buffered.trim());
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

// --- internal ---

function toResult(sent: HttpResponse, line: string): EtcdResult {
  const body = parseJsonBody(sent, line) as Omit<EtcdResult, "status" | "headers">;
  return { ...body, status: sent.response.status, headers: sent.headers };
}
