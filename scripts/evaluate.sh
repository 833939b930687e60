#!/usr/bin/env bash
# Reproduces docs/evaluation.md: the Azure code trace plus synthetic agentic jobs on the evaluation fleet,
# every policy side by side. Two sweeps: the trace's own (bursty) arrival times at 1x-8x its load, and a
# Poisson process of the same mean rate at 10x-40x. Writes docs/evaluation/{trace,poisson}-Nx/ (results.json,
# charts). Usage: bash scripts/evaluate.sh [extra simulator options]
set -euo pipefail
cd "$(dirname "$0")/.."
trace="${AZURE_TRACE:-../shared/data/azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv}"
dotnet build src/Simulator -c Release --nologo -clp:ErrorsOnly
run() { # arrivals scale jobs
  echo "== $1 arrivals, load x$2: $(($2 * 8819)) trace requests, $3 agentic jobs =="
  dotnet run -c Release --no-build --project src/Simulator -- \
    --fleet deploy/simulator/fleet-eval.json \
    --workload "azure:$trace" --workload "agentic:jobs=$3" \
    --load-scale "$2" --arrivals "$1" --seed 42 --out "docs/evaluation/$1-$2x" "${@:4}"
}
for scale in 1 2 4 8; do run trace "$scale" $((scale * 15)) "$@"; done
for scale in 10 20 30 40; do run poisson "$scale" 30 "$@"; done
