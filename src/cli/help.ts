/**
 * @module
 * The help texts, rendered from the flag tables so that they list every flag.
 */
import { benchFlags } from "./bench/bench-args.ts";
import { checkFlags } from "./check/check-args.ts";
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
    "  cairn check [flags]       check etcd v2 endpoints for linearizability under a workload",
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

/** Help for `cairn check`. */
export function checkHelp(version: string): string {
  return [
    `cairn ${version} check: a concurrent workload against etcd v2 endpoints, checked for`,
    "linearizability",
    "",
    "Usage: cairn check [flags]",
    "       cairn check --check-only <history-file> [--json] [--check-budget-s <s>]",
    "",
    "Each client loop picks a random key and operation (set 30%, quorum GET 30%, compare-and-",
    "swap 20%, create 5%, delete 10%, compare-and-delete 5%), writes unique values, and records",
    "every call and return. The history is then checked per key (Wing-Gong with Lowe's cache)",
    "and against etcd's index rules. Outcomes: success and etcd errors 100, 101 and 105 are",
    "definite; a write that times out, loses its connection after sending or gets a 5xx answer",
    "(300, 301, ...) is indeterminate (it may or may not have happened); a request every",
    "endpoint refused, a 4xx rejection and any failed read had no effect and are left out.",
    "",
    "Exit status: 0 when the history is linearizable; 1 when it is not, or when the check is",
    "inconclusive (budget exhausted: never a pass) or the endpoints cannot be reached; 2 for a",
    "usage error.",
    "",
    renderFlagHelp(checkFlags, []),
  ].join("\n");
}
