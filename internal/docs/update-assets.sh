#!/usr/bin/env bash
# Refreshes the vendored Swagger UI in internal/docs/swagger-ui/ from the npm registry. The version and
# the tarball's integrity are pinned here: to upgrade, change both (`npm view swagger-ui-dist@X
# dist.integrity`), run this script, check /docs in a browser, and commit the result. `go build` needs
# only the committed files, never npm.
set -euo pipefail

VERSION=5.35.0
INTEGRITY=sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==

cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

npm pack --silent --pack-destination "$tmp" "swagger-ui-dist@$VERSION" >/dev/null
tgz="$tmp/swagger-ui-dist-$VERSION.tgz"
got=$(node -e 'const c = require("node:crypto"), f = require("node:fs");
process.stdout.write("sha512-" + c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tgz")
if [ "$got" != "$INTEGRITY" ]; then
  echo "swagger-ui-dist@$VERSION: integrity $got, want $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$tgz" -C "$tmp"
pkg="$tmp/package"

# Only what the page loads, gzipped (the handler serves the .gz as is to browsers, which all accept
# gzip, and inflates it for the rest), plus the licenses. gzip -n keeps the output reproducible. The
# source-map reference is dropped because the map is not shipped.
out=swagger-ui
rm -rf "$out"
mkdir -p "$out"
gzip -9n <"$pkg/swagger-ui-bundle.js" >"$out/swagger-ui-bundle.js.gz"
sed '/sourceMappingURL=/d' "$pkg/swagger-ui.css" | gzip -9n >"$out/swagger-ui.css.gz"
cp "$pkg/favicon-32x32.png" "$out/"
cp "$pkg/LICENSE" "$pkg/NOTICE" "$out/"
cp "$pkg/swagger-ui-bundle.js.LICENSE.txt" "$out/THIRD-PARTY-LICENSES.txt"
echo "$VERSION" >"$out/VERSION"
echo "swagger-ui-dist@$VERSION -> internal/docs/$out ($(du -sh "$out" | cut -f1))"
