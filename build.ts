/**
 * @module
 * Builds the single `dist/cairn` executable with `bun build --compile`.
 */
const result = await Bun.build({
  entrypoints: ["./src/main.ts"],
  compile: { outfile: "./dist/cairn" },
  minify: { syntax: true, whitespace: true },
  sourcemap: "linked",
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log("built dist/cairn");
