#!/usr/bin/env bash
# Applies a user-model recipe to a copy of the tree and proves it works there, so that the recipe in
# README ("Customising the user model") cannot rot:
#
#   bash .ci/recipe.sh examples/custom-user
#
# The recipe is examples/<name>/recipe.diff (openapi.yaml and ent/schema/user.go, the only files a
# customisation edits by hand). In the copy this script runs `go generate ./...`, writes the
# migration, builds everything, runs the recipe's HTTP tests (examples/<name>/*_test.go, as
# internal/recipe) on SQLite and PostgreSQL with the generator's and the migrations' consistency tests,
# and, when clients/typescript/node_modules exists, regenerates the TypeScript types and typechecks
# examples/<name>/client.ts against them. GOJOSER_TEST_POSTGRES_URL as for the other tests.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
example=${1:?usage: .ci/recipe.sh examples/<name>}
[ -f "$example/recipe.diff" ] || { echo "no $example/recipe.diff" >&2; exit 1; }

tmp=$(mktemp -d /tmp/gojoser-recipe.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# The tracked files as they are in the working tree, and the untracked ones git does not ignore.
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$tmp"
cd "$tmp"

echo "==> $example: applying recipe.diff"
git apply "$root/$example/recipe.diff"
echo "==> $example: go generate ./..."
go generate ./...
echo "==> $example: writing the migration"
go run ./internal/store/migrations/gen -name recipe
echo "==> $example: build and tests"
go build ./...
mkdir -p internal/recipe
cp "$root/$example"/*_test.go internal/recipe/
# The recipe's tests carry the build tag recipe, so that go test ./... leaves them out of the default tree.
go vet -tags recipe ./internal/recipe/
go test -tags recipe -count=1 ./internal/recipe/
go test -count=1 -run 'TestRepositoryModelIsGenerated|TestMigrationFilesMatchEntSchema' ./internal/usermodel/ ./internal/store/migrations/

if [ -d "$root/clients/typescript/node_modules" ] && [ -f "$root/$example/client.ts" ]; then
  echo "==> $example: TypeScript client types"
  ln -s "$root/clients/typescript/node_modules" clients/typescript/node_modules
  cp "$root/$example/client.ts" clients/typescript/src/recipe-check.ts
  # The client's own sources, not its tests: those register users of the default model.
  echo '{"extends": "./tsconfig.json", "include": ["src"]}' > clients/typescript/tsconfig.recipe.json
  (cd clients/typescript && npm run --silent generate && npx tsc -p tsconfig.recipe.json --noEmit)
fi
echo "==> $example: the recipe works"
