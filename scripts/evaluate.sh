#!/usr/bin/env bash
# Reproduces docs/evaluation.md: the Azure code trace plus synthetic agentic jobs on the evaluation fleet,
# at 1x, 2x, 4x and 8x the trace's load, every policy side by side. Writes docs/evaluation/load-Nx/
# (results.json and charts). Usage: bash scripts/evaluate.sh [extra simulator options]
set -euo pipefail
cd "$(dirname "$0")/.."
trace="${AZURE_TRACE:-../shared/data/azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv}"
dotnet build src/Simulator -c Release --nologo -clp:ErrorsOnly
for scale in 1 2 4 8; do
  echo "== load x$scale: $((scale * 8819)) trace requests, $((scale * 15)) agentic jobs =="
  dotnet run -c Release --no-build --project src/Simulator -- \
    --fleet deploy/simulator/fleet-eval.json \
    --workload "azure:$trace" --workload "agentic:jobs=$((scale * 15))" \
    --load-scale "$scale" --seed 42 --out "docs/evaluation/load-${scale}x" "$@"
done
