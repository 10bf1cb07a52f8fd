/**
 * @module
 * The composition root: the only code that touches `process`, the environment and exit codes.
 */
console.log("cairn: not yet assembled");
