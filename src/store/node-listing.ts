/**
 * @module
 * The `node` of a GET (v2-api-reference.md §7.2): a file as is, a directory with its visible
 * children (hidden ones are skipped at every level), child directories listed without `nodes`
 * unless recursive, empty directories without `nodes`, sorted by key bytes when asked.
 */
import { assert } from "../lib/assert.ts";
import type { TreeNode } from "./tree-node.ts";
import { nodeView } from "./tree-node.ts";
import { compareKeys, isHiddenName } from "./key-path.ts";
import type { GetOptions, NodeView } from "./types.ts";

/** The view of `node` as a read returns it. A file costs one small object. */
export function listingView(node: TreeNode, options: GetOptions): NodeView {
  const top = nodeView(node);
  if (node.children === null || node.children.size === 0) return top;
  const topListing: ListingView = { ...top };
  // An explicit stack rather than recursion: depth is bounded only by the key length.
  const pending: ListingFrame[] = [{ node, view: topListing }];
  let visitedCount = 0;
  for (let frame = pending.pop(); frame !== undefined; frame = pending.pop()) {
    visitedCount += 1;
    const children = frame.node.children;
    assert(children !== null, `Cannot list ${frame.node.key}: not a directory`);
    const childViews: NodeView[] = [];
    for (const child of orderedChildren(children, options.sorted)) {
      if (isHiddenName(child.name)) continue;
      const childView = nodeView(child);
      if (options.recursive && child.children !== null && child.children.size > 0) {
        const childListing: ListingView = { ...childView };
        pending.push({ node: child, view: childListing });
        childViews.push(childListing);
      } else {
        childViews.push(childView);
      }
    }
    if (childViews.length > 0) frame.view.nodes = childViews;
  }
  assert(visitedCount >= 1, "A listing visits at least its own directory");
  return topListing;
}

// --- internal ---

/** A directory view whose `nodes` is filled in once its children are known. */
interface ListingView {
  readonly key: string;
  readonly dir: boolean;
  readonly expirationMs?: number;
  nodes?: readonly NodeView[];
  readonly createdIndex: number;
  readonly modifiedIndex: number;
}

interface ListingFrame {
  readonly node: TreeNode;
  readonly view: ListingView;
}

function orderedChildren(children: Map<string, TreeNode>, sorted: boolean): Iterable<TreeNode> {
  if (!sorted) return children.values();
  return [...children.values()].sort((a, b) => compareKeys(a.key, b.key));
}
