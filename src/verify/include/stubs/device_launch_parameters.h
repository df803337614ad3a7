// Stub: the emulator supplies the CUDA API (see ../cuda_emu.hpp).
#pragma once
#include "../cuda_emu.hpp"
