// Fails when src/generated/openapi.ts is not what `npm run generate` makes from ../../openapi.yaml
// today, so CI catches a spec change whose client types were not regenerated and committed.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const committed = join(root, "src/generated/openapi.ts");
const dir = mkdtempSync(join(tmpdir(), "gojoser-client-"));
const fresh = join(dir, "openapi.ts");

try {
  // The same command as the "generate" script, written elsewhere.
  const script = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.generate;
  const args = script.split(/\s+/).slice(1);
  const out = args.indexOf("--output");
  if (out < 0) throw new Error('the "generate" script must use --output');
  args[out + 1] = fresh;
  execFileSync(join(root, "node_modules/.bin/openapi-typescript"), args, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });

  let want;
  try {
    want = readFileSync(committed, "utf8");
  } catch {
    want = null;
  }
  const got = readFileSync(fresh, "utf8");
  if (want !== got) {
    const a = (want ?? "").split("\n");
    const b = got.split("\n");
    let line = 0;
    while (line < a.length && line < b.length && a[line] === b[line]) line++;
    console.error(
      want === null
        ? "src/generated/openapi.ts is missing."
        : `src/generated/openapi.ts is stale: it differs from a fresh generation at line ${line + 1}:\n` +
            `  committed: ${a[line] ?? "(end of file)"}\n  fresh:     ${b[line] ?? "(end of file)"}`,
    );
    console.error("Run `npm run generate` in clients/typescript and commit the result.");
    process.exit(1);
  }
  console.log("src/generated/openapi.ts is up to date with openapi.yaml.");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
