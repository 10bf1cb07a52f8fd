/**
 * @module
 * The HTTP layer's public surface.
 */
export { type CairnApp, createApp } from "./app.ts";
export type { HttpDeps } from "./deps.ts";
export { type ListenOptions, type Listening, listen } from "./listen.ts";
export { type BeforeRouting, plainReadServer } from "./keys/plain-read.ts";
