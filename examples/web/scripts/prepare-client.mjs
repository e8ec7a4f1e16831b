// Builds the @gojoser/client this app links to (file:../../clients/typescript). npm links a file:
// dependency without installing its dependencies or building it, and the package exports dist/.
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const client = resolve(dirname(fileURLToPath(import.meta.url)), "../../../clients/typescript");
const npm = (...args) => execFileSync("npm", args, { cwd: client, stdio: ["ignore", 2, 2] });

const installed = join(client, "node_modules/.package-lock.json");
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(client, "package-lock.json")).mtimeMs) {
  console.error(`prepare-client: npm ci in ${client}`);
  npm("ci", "--no-audit", "--no-fund");
}
console.error("prepare-client: building @gojoser/client");
npm("run", "build", "--silent");
