#!/usr/bin/env bash
# The checks for a lent GPU machine (16 cores, one CUDA device), as one script: the GPU
# tests, bench_gpu.py, the per-iteration ratios by thread count and real data at the
# default threads. Each part has its own time limit, so one slow part leaves the others'
# results; logs and JSON go to $OUT (or ./lent-out). Run from the repository root:
#     DATA=path/to/cached/sets bash benchmarks/lent_machine.sh
# DATA holds datasets.py's cached .npz files (nothing can be downloaded there).
set -u
OUT=${OUT:-lent-out}
mkdir -p "$OUT"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} SCIPY_ARRAY_API=1 PYTHONUNBUFFERED=1
export GDLOGREG_BENCH_CACHE=${DATA:-$PWD/.devdata}
part() {  # part NAME SECONDS COMMAND...: run with a limit, log to $OUT/NAME.log
    local name=$1 limit=$2; shift 2
    local t0=$SECONDS
    echo "== $name (limit ${limit}s)"
    timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
    echo "== $name: rc $? in $((SECONDS - t0)) s"
    tail -n "${TAIL:-25}" "$OUT/$name.log"
}
{ nvidia-smi -L; nproc; git log -1 --format=%h 2>/dev/null
  python3 -c "import numpy, scipy, sklearn, torch; print(numpy.__version__, scipy.__version__,
sklearn.__version__, torch.__version__, torch.cuda.is_available())"; } 2>&1
part tests "${T_TESTS:-120}" python3 -m pytest -q -p no:cacheprovider -x \
    tests/test_gpu.py tests/test_array_api.py tests/test_whitened_steps.py
part gpu "${T_GPU:-150}" python3 benchmarks/bench_gpu.py --json "$OUT/gpu.json"
part threads "${T_THREADS:-90}" python3 benchmarks/run_benchmarks.py --threads-only \
    --counts 1,8,16 --repeats 3 --json "$OUT/threads.json"
part real "${T_REAL:-100}" python3 benchmarks/bench_real.py --threads 0 --repeats 3 \
    --datasets "${SETS:-wine,breast_cancer,digits,cells,credit,pd_speech,tissue,movies,diamonds}" \
    --json "$OUT/real.json"
