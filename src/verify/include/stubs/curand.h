// Stub: cuRAND's host header; the device API the emulator knows is in curand_kernel.h.
#pragma once
#include "curand_kernel.h"
