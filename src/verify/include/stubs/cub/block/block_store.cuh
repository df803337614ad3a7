// cub::BlockStore: c2m's CUB for the CUDA emulator holds it in cub.cuh.
#pragma once
#include <cub/cub.cuh>
