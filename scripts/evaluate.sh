#!/usr/bin/env bash
# Reproduces docs/evaluation.md: the Azure code trace plus synthetic agentic jobs on the evaluation fleet,
# every policy side by side, on two fleets that differ only in the fast model's speed SLO (100 and 500
# tokens/s). Two sweeps each: the trace's own (bursty) arrival times at 1x-8x its load, and a Poisson process
# of the same mean rate at 10x-40x. Writes docs/evaluation/FLEET/{trace,poisson}-Nx/ (results.json, charts).
# Usage: bash scripts/evaluate.sh [extra simulator options]
set -euo pipefail
cd "$(dirname "$0")/.."
trace="${AZURE_TRACE:-../shared/data/azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv}"
dotnet build src/Simulator -c Release --nologo -clp:ErrorsOnly
run() { # fleet arrivals scale jobs
  echo "== $1, $2 arrivals, load x$3: $(($3 * 8819)) trace requests, $4 agentic jobs =="
  dotnet run -c Release --no-build --project src/Simulator -- \
    --fleet "deploy/simulator/$1.json" \
    --workload "azure:$trace" --workload "agentic:jobs=$4" \
    --load-scale "$3" --arrivals "$2" --seed 42 --out "docs/evaluation/$1/$2-$3x" "${@:5}"
}
for fleet in fleet-eval fleet-eval-fast-slo; do
  for scale in 1 2 4 8; do run "$fleet" trace "$scale" $((scale * 15)) "$@"; done
  for scale in 10 20 30 40; do run "$fleet" poisson "$scale" 30 "$@"; done
done
