#!/usr/bin/env bash
# Reruns one row of docs/evaluation.md under several seeds and prints each policy's goodput per seed and
# its mean, to tell a real difference between two policies from the run-to-run spread of one seed.
# Usage: bash scripts/evaluate-seeds.sh FLEET ARRIVALS LOAD JOBS POLICIES [SEEDS]
#   e.g. bash scripts/evaluate-seeds.sh fleet-eval trace 8 120 project,gpu-only "1 2 3 4 5"
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 5 ]]; then
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
fleet=$1 arrivals=$2 load=$3 jobs=$4 policies=$5 seeds=${6:-"1 2 3 4 5"}
trace="${AZURE_TRACE:-../shared/data/azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build src/Simulator -c Release --nologo -clp:ErrorsOnly >/dev/null
echo "$fleet, $arrivals arrivals, load x$load, $jobs agentic jobs: goodput (requests in SLO per second) per seed"
for seed in $seeds; do
  dotnet run -c Release --no-build --project src/Simulator -- --fleet "deploy/simulator/$fleet.json" \
    --workload "azure:$trace" --workload "agentic:jobs=$jobs" --load-scale "$load" --arrivals "$arrivals" \
    --seed "$seed" --policy "$policies" --out "$out" |
    awk -v seed="$seed" -v list="$policies" 'BEGIN { n = split(list, p, ","); for (i = 1; i <= n; i++) want[p[i]] = 1 }
      header && NF == 0 { header = 0 } header && ($1 in want) { printf "seed %-4s %-13s %8s\n", seed, $1, $2 } /^policy / { header = 1 }'
done | tee "$out/rows"
echo "mean:"
awk '{ sum[$3] += $4; n[$3]++ } END { for (p in sum) printf "  %-13s %8.3f\n", p, sum[p] / n[p] }' "$out/rows" | sort
