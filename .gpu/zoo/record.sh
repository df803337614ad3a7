#!/usr/bin/env bash
# Builds every driver here with nvcc for ${ARCH:-sm_90}, runs it, packs OUTDIR/fixtures.tar. GLM_INCLUDE: the
# folder holding glm/ (gsplat's kernels use GLM; Debian's libglm-dev 0.9.9.8, unpacked with dpkg -x).
# Usage (from this folder's parent or anywhere): bash record.sh OUTDIR
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUTDIR=${1:?usage: record.sh OUTDIR}
ARCH=${ARCH:-sm_90}
mkdir -p "$OUTDIR/fixtures" /tmp/c2m-zoo-drivers
echo "== device"; nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader
echo "== nvcc"; nvcc --version | tail -2
echo "== build ($ARCH, -O3)"
ls "$HERE"/*.cu | grep -v '\.device\.cu$' | xargs -P 16 -I{} sh -c \
  'n=$(basename {} .cu); nvcc -O3 --expt-relaxed-constexpr -arch='"$ARCH"' '"${GLM_INCLUDE:+-I$GLM_INCLUDE}"' -o /tmp/c2m-zoo-drivers/$n {} > /tmp/c2m-zoo-drivers/$n.log 2>&1 && echo "built $n" || { echo "BUILD FAILED $n"; head -20 /tmp/c2m-zoo-drivers/$n.log; }'
echo "== run"
for exe in /tmp/c2m-zoo-drivers/*; do case "$exe" in *.log) continue;; esac; "$exe" "$OUTDIR/fixtures" || echo "RUN FAILED $(basename "$exe")"; done
echo "== compute-sanitizer memcheck"
for exe in /tmp/c2m-zoo-drivers/*; do case "$exe" in *.log) continue;; esac; echo "$(basename "$exe"): $(compute-sanitizer --tool memcheck --error-exitcode 9 "$exe" /tmp 2>&1 | tail -1)"; done
tar -C "$OUTDIR" -cf "$OUTDIR/fixtures.tar" fixtures && rm -rf "$OUTDIR/fixtures"
echo "== done: $(tar -tf "$OUTDIR/fixtures.tar" | grep -c '\.bin$') files"
