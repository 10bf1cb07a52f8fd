/**
 * @module
 * A table-driven flag reader in the style of Go's `flag` package, which etcd uses: `-flag` and
 * `--flag` are the same, values come as `-flag value` or `-flag=value`, booleans only take
 * `-flag` or `-flag=value`, and a repeated flag's last value wins. Also reads the same flags
 * from environment variables. Pure: no process, no console.
 */

/** One flag of a command. */
export interface FlagSpec {
  /** The canonical name, kebab-case, without dashes (`listen-client-urls`). */
  readonly name: string;
  /** Other names accepted on the command line (`snapshot-entries`). */
  readonly aliases?: readonly string[];
  /** Booleans never consume the next argument. */
  readonly kind: "string" | "boolean";
  /** What the value looks like in help text (`<url,...>`). */
  readonly valueHint: string;
  /** One sentence for the help text. */
  readonly description: string;
  /** The default as shown in the help text. */
  readonly defaultText: string;
  /** The help section the flag is listed under. */
  readonly group: string;
  /** Listed as `-name`, the way the etcd 0.4 documentation writes it (both forms work). */
  readonly singleDash?: boolean;
}

/** A flag value and where it came from. `rank` orders sources: a higher rank wins. */
export interface FlagValue {
  readonly value: string;
  /** How the user wrote it (`-addr`, `--name`, `CAIRN_DATA_DIR`), for error messages. */
  readonly label: string;
  readonly rank: number;
}

/** Raw flag values by canonical name. */
export type FlagValues = ReadonlyMap<string, FlagValue>;

/** Thrown for a usage mistake; the command line exits with status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The rank of values given on the command line (environment variables rank lower). */
export const argvRank = 10;

/**
 * Reads flags from an argument vector.
 * @throws {UsageError} for an unknown flag, a missing value or a stray positional argument.
 */
export function parseFlagArguments(
  argv: readonly string[],
  specs: readonly FlagSpec[],
): FlagValues {
  const byName = indexSpecs(specs);
  const values = new Map<string, FlagValue>();
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? "";
    const match = /^--?([^=-][^=]*)(?:=([\s\S]*))?$/.exec(argument);
    if (match === null) {
      throw new UsageError(`Unexpected argument "${argument}": flags start with - or --`);
    }
    const written = match[1] ?? "";
    const spec = byName.get(written);
    const label = argument.startsWith("--") ? `--${written}` : `-${written}`;
    if (spec === undefined) throw new UsageError(`Unknown flag ${label}`);
    let value = match[2];
    if (value === undefined && spec.kind === "boolean") value = "true";
    if (value === undefined) {
      value = argv[index + 1];
      index++;
      if (value === undefined) throw new UsageError(`Missing value for flag ${label}`);
    }
    values.set(spec.name, { value, label, rank: argvRank });
  }
  return values;
}

/**
 * The environment variable for a flag under a prefix: `CAIRN_` + `listen-client-urls` →
 * `CAIRN_LISTEN_CLIENT_URLS`.
 */
export function environmentName(prefix: string, flagName: string): string {
  return prefix + flagName.toUpperCase().replaceAll("-", "_");
}

/**
 * Reads flags from environment variables with a prefix. Empty variables count as unset, as in
 * etcd. Variables with the prefix that name no flag are returned as `unknown`.
 */
export function readFlagEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  specs: readonly FlagSpec[],
  options: { prefix: string; rank: number },
): { values: Map<string, FlagValue>; unknown: string[] } {
  const byEnvironmentName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    for (const name of [spec.name, ...(spec.aliases ?? [])]) {
      byEnvironmentName.set(environmentName(options.prefix, name), spec);
    }
  }
  const values = new Map<string, FlagValue>();
  const unknown: string[] = [];
  for (const [label, value] of Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!label.startsWith(options.prefix) || value === undefined || value === "") continue;
    const spec = byEnvironmentName.get(label);
    if (spec === undefined) unknown.push(label);
    else values.set(spec.name, { value, label, rank: options.rank });
  }
  return { values, unknown };
}

/** Merges sources; for each flag the value with the highest rank wins. */
export function mergeFlagValues(sources: readonly FlagValues[]): FlagValues {
  const merged = new Map<string, FlagValue>();
  for (const source of sources) {
    for (const [name, value] of source) {
      const current = merged.get(name);
      if (current === undefined || value.rank >= current.rank) merged.set(name, value);
    }
  }
  return merged;
}

/**
 * Parses a boolean as Go's `strconv.ParseBool` does (`1 t T TRUE true True`, `0 f F FALSE
 * false False`).
 * @throws {UsageError} for anything else.
 */
export function parseBooleanValue(flag: FlagValue): boolean {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(flag.value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(flag.value)) return false;
  throw new UsageError(`Invalid ${flag.label} "${flag.value}": expected true or false`);
}

/**
 * Parses a decimal integer within bounds.
 * @throws {UsageError} for signs, fractions, other bases or a value out of range.
 */
export function parseIntegerValue(flag: FlagValue, bounds: { min: number; max: number }): number {
  const value = Number(flag.value);
  if (!/^[0-9]+$/.test(flag.value) || !(value >= bounds.min && value <= bounds.max)) {
    throw new UsageError(
      `Invalid ${flag.label} "${flag.value}": expected an integer from ${bounds.min} to ` +
        `${bounds.max}`,
    );
  }
  return value;
}

/** Renders the flag table as help text, grouped, with environment variables and defaults. */
export function renderFlagHelp(specs: readonly FlagSpec[], prefixes: readonly string[]): string {
  const groups = [...new Set(specs.map((spec) => spec.group))];
  const sections = groups.map((group) => {
    const lines = specs
      .filter((spec) => spec.group === group)
      .map((spec) => renderFlag(spec, prefixes));
    return `${group}:\n${lines.join("\n")}`;
  });
  return sections.join("\n\n");
}

// --- internal ---

function indexSpecs(specs: readonly FlagSpec[]): Map<string, FlagSpec> {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    for (const name of [spec.name, ...(spec.aliases ?? [])]) byName.set(name, spec);
  }
  return byName;
}

function renderFlag(spec: FlagSpec, prefixes: readonly string[]): string {
  const dashes = spec.singleDash === true ? "-" : "--";
  const names = [spec.name, ...(spec.aliases ?? [])].map((name) => dashes + name).join(", ");
  const head = spec.kind === "boolean" ? `  ${names}` : `  ${names} ${spec.valueHint}`;
  const environment = prefixes.map((prefix) => environmentName(prefix, spec.name)).join(", ");
  const details = [`      ${spec.description}`];
  const defaults = spec.defaultText === "" ? "" : `; default ${spec.defaultText}`;
  if (environment !== "") details.push(`      env ${environment}${defaults}`);
  else if (defaults !== "") details.push(`      default ${spec.defaultText}`);
  return [head, ...details].join("\n");
}
