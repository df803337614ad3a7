// Stub: the emulator supplies cooperative groups (see ../../cuda_cg.hpp).
#pragma once
#include "../../cuda_cg.hpp"
