#!/usr/bin/env bash
# Lint, typecheck and test only the projects affected by the commits between a
# base and a head (`nx affected`), the same way on a laptop and in CI.
#   NX_BASE  base commit; default: the merge base with origin/main, else HEAD~1
#            (in GitHub Actions, nrwl/nx-set-shas sets it to the last green commit)
#   NX_HEAD  head commit; default: HEAD
# With neither a merge base nor a parent commit, every project is checked.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The repository's Node 24 and nx, also when this script is run with plain bash.
export PATH="$PWD/node_modules/.bin:$PATH"
export NX_DAEMON=false NX_NO_CLOUD=true

head="${NX_HEAD:-HEAD}"
base="${NX_BASE:-}"
if [[ -z "$base" ]]; then
  base="$(git merge-base origin/main "$head" 2>/dev/null || git rev-parse --verify --quiet "$head~1" || true)"
fi

if [[ -z "$base" ]]; then
  echo "ci-affected: no base commit to compare with: checking every project" >&2
  exec nx run-many -t lint typecheck test
fi
echo "ci-affected: nx affected -t lint typecheck test --base=$base --head=$head" >&2
exec nx affected -t lint typecheck test --base="$base" --head="$head"
