#!/usr/bin/env bash
# Runs every test of the solution, installing what the tests need first (idempotent), and prints
# "tests: N passed, N failed[, N skipped]" from the real results. Usage: bash scripts/test.sh [dotnet test args]
set -euo pipefail
cd "$(dirname "$0")/.."

# promtool (Debian's prometheus package) checks the /metrics output in HostTests.
if ! command -v promtool >/dev/null 2>&1; then
  echo "installing promtool (Debian package prometheus)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

# redis-server and redis-cli (Debian's redis-server package): the cluster tests' membership table.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "installing redis-server (Debian package)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi

# The Cosmos DB wire-protocol server (npm @vercel/cosmosdb-server) and the Node SDK reader the storage tests
# run against, pinned by tests/cosmos/package-lock.json; installed again only when the lock file changes.
if ! command -v node >/dev/null 2>&1; then
  echo "installing node and npm (Debian packages)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if ! cmp -s tests/cosmos/package-lock.json tests/cosmos/node_modules/.installed-from-lock 2>/dev/null; then
  echo "installing the Cosmos DB test server (npm ci in tests/cosmos)..."
  npm ci --prefix tests/cosmos --no-audit --no-fund --loglevel=error >/dev/null
  cp tests/cosmos/package-lock.json tests/cosmos/node_modules/.installed-from-lock
fi

results=".artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

echo "restoring and building..."
dotnet build ControlPlane.sln -c Release --nologo -clp:ErrorsOnly

echo "running tests..."
set +e
dotnet test ControlPlane.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" \
  --blame-hang-timeout 5m "$@"
status=$?
set -e

passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${t:-0} - ${e:-0}))
done

if [ "$files" -eq 0 ]; then
  echo "no test results were written (build or test host failure)"
  failed=$((failed + 1))
fi

if [ "$skipped" -gt 0 ]; then
  echo "tests: $passed passed, $failed failed, $skipped skipped"
else
  echo "tests: $passed passed, $failed failed"
fi

if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
