/**
 * @module
 * Canonical key paths: validation, parent/child composition and the path-component tests the
 * tree and the watch rules share. A canonical key is `/` or `/a/b` (no trailing slash, no
 * empty, `.` or `..` component); the HTTP layer canonicalises before anything reaches the store.
 */

/** The root directory's key. */
export const rootKey = "/";

/** True when `key` is `/` or `/`-separated non-empty components other than `.` and `..`. */
export function isCanonicalKey(key: string): boolean {
  if (key === rootKey) return true;
  if (key.length < 2 || key.charCodeAt(0) !== slashCode) return false;
  let componentStart = 1;
  for (let position = 1; position <= key.length; position += 1) {
    if (position < key.length && key.charCodeAt(position) !== slashCode) continue;
    const component = key.slice(componentStart, position);
    if (component === "" || component === "." || component === "..") return false;
    componentStart = position + 1;
  }
  return true;
}

/** The key of `name` inside the directory `parentKey`. */
export function childKey(parentKey: string, name: string): string {
  return parentKey === rootKey ? rootKey + name : `${parentKey}/${name}`;
}

/** The components of a canonical key; empty for the root. */
export function keyComponents(key: string): string[] {
  return key === rootKey ? [] : key.slice(1).split("/");
}

/** A hidden node's last component starts with `_`. */
export function isHiddenName(name: string): boolean {
  return name.charCodeAt(0) === underscoreCode;
}

/**
 * True when `key` lies strictly below `ancestorKey`, comparing whole path components, so
 * `/foobar` is not below `/foo`.
 */
export function isStrictlyBelow(key: string, ancestorKey: string): boolean {
  if (ancestorKey === rootKey) return key !== rootKey;
  return (
    key.length > ancestorKey.length + 1 &&
    key.charCodeAt(ancestorKey.length) === slashCode &&
    key.startsWith(ancestorKey)
  );
}

/**
 * True when a component of `key` that lies below `ancestorKey` starts with `_`: such a key is
 * invisible to listings and recursive watches rooted at `ancestorKey`. `key` must be strictly
 * below `ancestorKey`.
 */
export function isHiddenBelow(key: string, ancestorKey: string): boolean {
  const start = ancestorKey === rootKey ? 0 : ancestorKey.length;
  // Every component below the ancestor is preceded by a slash at or after `start`.
  return key.indexOf("/_", start) !== -1;
}

/** An in-order node is named after its createdIndex, zero-padded to 20 digits as etcd does. */
export function inOrderName(index: number): string {
  return String(index).padStart(20, "0");
}

/**
 * Orders keys by their UTF-8 bytes, as etcd's sorted listings do. JavaScript compares UTF-16
 * code units, which differs only when a surrogate meets a code unit of U+E000 or above.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let position = 0; position < length; position += 1) {
    const unitA = a.charCodeAt(position);
    const unitB = b.charCodeAt(position);
    if (unitA === unitB) continue;
    return utf8Rank(unitA) - utf8Rank(unitB);
  }
  return a.length - b.length;
}

// --- internal ---

/** Surrogates (U+D800..U+DFFF) encode code points above U+FFFF, so they rank above U+FFFF. */
function utf8Rank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

const slashCode = 47;
const underscoreCode = 95;
