#!/usr/bin/env bash
# rlkit on a CUDA machine, measured: install, the test suite on the GPU (float64 and float32), LinUCB throughput at
# large batches, the float32 covariance error after 10^6 updates, the DynLin-UCB synthetic experiment on the GPU,
# and a short report (results/gpu/report.md). Budget: under 8 minutes on one GPU with 16 cores.
#
#   bash benchmarks/gpu.sh                 # on the GPU machine, from a fresh checkout
#   bash benchmarks/gpu.sh --cpu-dry-run   # anywhere: no install, device cpu, small sizes (checks the script)
#
# Environment: PYTHON (default python3), TORCH_SPEC (the torch requirement to install, default "torch": the CUDA
# build that pip resolves on Linux; pass extra pip options through PIP_ARGS), GPU_SH_HORIZON (horizon of the
# DynLin-UCB experiment, default 100000: its per-round agents are launch-bound on a GPU), GPU_SH_COV_UPDATES
# (default 1000000), GPU_SH_OUT (default results/gpu).
set -uo pipefail
cd "$(dirname "$0")/.."

DRY=0
[[ "${1:-}" == "--cpu-dry-run" ]] && DRY=1
PY=${PYTHON:-python3}
OUT=${GPU_SH_OUT:-results/gpu}
mkdir -p "$OUT"
REPORT="$OUT/report.md"
START=$(date +%s)

if (( DRY )); then
  DEVICE=cpu; BATCHES="1 10 256"; COV_UPDATES=2000; HORIZON=2000; RUNS=2; SECONDS_PER=0.5; WORKERS=2
  TESTS=(tests/core/test_linalg.py tests/envs/test_linear_bandit.py tests/baselines/test_linear_agents.py -m "not slow")
  [[ -x .venv/bin/python ]] && PY=.venv/bin/python
else
  DEVICE=cuda; BATCHES="2048 65536 262144"; COV_UPDATES=${GPU_SH_COV_UPDATES:-1000000}
  HORIZON=${GPU_SH_HORIZON:-100000}; RUNS=10; SECONDS_PER=2; WORKERS=${GPU_SH_TEST_WORKERS:-8}
  TESTS=(tests)
  echo "== install: CUDA torch, then the project"
  $PY -m pip install --quiet ${PIP_ARGS:-} "${TORCH_SPEC:-torch}" || exit 1
  $PY -m pip install --quiet -e ".[test]" || exit 1
fi

step() { echo; echo "== $1 ($(( $(date +%s) - START )) s)"; }

step "device"
DEVICE_LINE=$($PY -c "
import torch
d = torch.device('$DEVICE')
name = torch.cuda.get_device_name(d) if d.type == 'cuda' else 'cpu'
print(f'torch {torch.__version__}, device {d}: {name}, cuda available: {torch.cuda.is_available()}')
") || { echo "no usable device: $DEVICE"; exit 1; }
echo "$DEVICE_LINE"

run_tests() {  # $1 dtype, then pytest arguments
  local dtype=$1; shift
  RLKIT_TEST_DEVICE=$DEVICE RLKIT_TEST_DTYPE=$dtype $PY -m pytest -q -p no:randomly -n "$WORKERS" "$@" 2>&1 \
    | tee "$OUT/tests_$dtype.txt" | tail -3
}
step "test suite, device $DEVICE, float64"
run_tests float64 "${TESTS[@]}"
step "test suite, device $DEVICE, float32 (not slow)"
if (( DRY )); then run_tests float32 "${TESTS[@]}"; else run_tests float32 tests -m "not slow"; fi

step "LinUCB throughput, float32, B = $BATCHES"
$PY benchmarks/bandit_throughput.py --device "$DEVICE" --dtype float32 --batches $BATCHES --no-peers \
  --seconds "$SECONDS_PER" --rollout-batches 1 2>&1 | tee "$OUT/throughput.txt"

step "float32 covariance error after $COV_UPDATES updates"
$PY benchmarks/float32_drift.py --device "$DEVICE" --updates "$COV_UPDATES" --no-baseline 2>&1 | tee "$OUT/float32_drift.txt"

step "DynLin-UCB synthetic experiment, device $DEVICE, T = $HORIZON, $RUNS runs"
T0=$(date +%s)
$PY -m rlkit.cli.main run experiments/dynlin_ucb_synthetic.toml --device "$DEVICE" --rounds "$HORIZON" --runs "$RUNS" \
  --out "$OUT/dynlin_ucb_synthetic" --quiet --no-plot 2>&1 | tee "$OUT/experiment.txt"
EXP_WALL=$(( $(date +%s) - T0 ))

step "report"
{
  echo "# rlkit on $DEVICE"
  echo
  echo "$DEVICE_LINE; $(date -u +%Y-%m-%dT%H:%MZ)$( (( DRY )) && echo '; CPU dry run (small sizes)')"
  echo
  echo "## Test suite (RLKIT_TEST_DEVICE=$DEVICE)"
  for dt in float64 float32; do echo "- $dt: $(grep -E 'passed|failed|error' "$OUT/tests_$dt.txt" | tail -1)"; done
  echo
  echo "## LinUCB decisions/s, float32 (benchmarks/bandit_throughput.py)"
  echo '```'; cat "$OUT/throughput.txt"; echo '```'
  echo
  echo "## float32 covariance after $COV_UPDATES rank-1 updates (benchmarks/float32_drift.py)"
  echo '```'; cat "$OUT/float32_drift.txt"; echo '```'
  echo
  echo "## DynLin-UCB synthetic experiment, T = $HORIZON, $RUNS runs: $EXP_WALL s wall"
  echo '```'; grep -E "compute seconds|results" "$OUT/experiment.txt"; echo '```'
  echo
  echo "Total: $(( $(date +%s) - START )) s"
} > "$REPORT"
cat "$REPORT"
grep -qE "[0-9]+ failed|error" "$OUT"/tests_*.txt && { echo "some tests failed (see $OUT/tests_*.txt)"; exit 1; }
exit 0
