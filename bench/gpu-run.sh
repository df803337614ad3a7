#!/usr/bin/env bash
# The GPU runs of issues 4 and 7, on a machine with an NVIDIA GPU and PyTorch CUDA but no MLX, from the
# repository root: installs MLX's CUDA backend from carried wheels, runs every golden kernel's emitted
# module through it (compared with the H100 fixtures), then the output benchmark (MLX CUDA vs torch CUDA).
#
# Prepare here:
#   npx tsc -p tsconfig.json
#   node dist/src/verify/wrapper-driver.js prepare-gpu .gpu/kernels
#   npm run bench -- --prepare-gpu .gpu/bench
#   pip download --no-deps --only-binary=:all: --python-version 3.12 --platform manylinux_2_35_x86_64 -d WHEELS mlx==0.32.4 mlx-cuda-13==0.32.4
# The device tool carries at most 64 MiB a call and mlx-cuda-13 is 90 MB, so it travels in two halves
# (`split -n 2 -d`): a first call copies part00 to /root/w on the warm machine, the second carries part01
# and the mlx wheel in .whl2 and runs this script (with .gpu, named in the call's carry: git ignores it). Logs go to $OUT (default: .gpu/out).
set -uo pipefail
export PYTHONUNBUFFERED=1
OUT=${OUT:-.gpu/out}
mkdir -p "$OUT"
W=/tmp/mlx_cuda_13-0.32.4-py3-none-manylinux_2_35_x86_64.whl
cat /root/w/part00 .whl2/part01 > $W
md5sum $W
SITE=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# unpacked beside the image's nvidia-* packages, which libmlx.so finds through its RPATH ($ORIGIN/../../nvidia/...)
python3 -m zipfile -e $W "$SITE" && python3 -m zipfile -e .whl2/mlx-0.32.4-cp312-cp312-manylinux_2_35_x86_64.whl "$SITE" || exit 1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python3 -c 'import mlx.core as mx; print(mx.__version__, mx.default_device(), mx.cuda.is_available())' 2>&1 | tee $OUT/mlx-smoke.txt
[ -n "${SKIP_KERNELS:-}" ] || python3 .gpu/kernels/mlx_gpu_kernels.py .gpu/kernels 2>&1 | tee $OUT/mlx-cuda-run.txt
echo "kernels exit: ${PIPESTATUS[0]}"
[ -n "${SKIP_BENCH:-}" ] || python3 bench/output.py .gpu/bench/request.json $OUT/gpu-result.json 2>&1 | tail -60 | tee $OUT/bench-log.txt
echo done
