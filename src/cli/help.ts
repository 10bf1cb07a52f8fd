/**
 * @module
 * The help texts, rendered from the flag tables so that they list every flag.
 */
import { benchFlags } from "./bench/bench-args.ts";
import { renderFlagHelp } from "./flags.ts";
import { serveEnvironmentPrefixes, serveFlags } from "./serve-flags.ts";

/** Help for `cairn` and `cairn serve`: commands, conventions and every serve flag. */
export function serveHelp(version: string): string {
  return [
    `cairn ${version}: a clustered key-value server speaking the etcd v2 HTTP API`,
    "",
    "Usage:",
    "  cairn [serve] [flags]     start a member (the default command)",
    "  cairn bench [flags]       benchmark an etcd v2 endpoint (cairn, or etcd with --enable-v2)",
    "  cairn --version           print the version",
    "  cairn [command] --help    print help",
    "",
    "Flags are written -flag or --flag, with the value as `-flag value` or `-flag=value`; when a",
    "flag is repeated the last one wins. Every flag can also be set by an environment variable,",
    "CAIRN_<FLAG> or, for drop-in etcd units, ETCD_<FLAG>: flags beat CAIRN_*, which beat ETCD_*.",
    "URLs are http://host:port (TLS is not supported yet).",
    "",
    renderFlagHelp(serveFlags, serveEnvironmentPrefixes),
  ].join("\n");
}

/** Help for `cairn bench`. */
export function benchHelp(version: string): string {
  return [
    `cairn ${version} bench: closed-loop load against etcd v2 endpoints`,
    "",
    "Usage: cairn bench [flags]",
    "",
    "Each client loop sends one request, awaits the answer, then sends the next. Requests",
    "started during warm-up are not measured. Prints throughput, latency p50/p99/p99.9/max and",
    "errors.",
    "",
    renderFlagHelp(benchFlags, []),
  ].join("\n");
}
