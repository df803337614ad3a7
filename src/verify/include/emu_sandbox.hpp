// Defence in depth for `--verify`, part 1: the headers that declare the C library's ways to start a
// process, load code, make a raw system call or open a file, read first (before the emulator's macros
// such as `constant` exist), so that emu_poison.hpp, included last, can poison those names and a
// user's later `#include <cstdlib>` is a no-op rather than an error. The translator refuses such calls
// already (C2M-K018); the poison stops what reaches the compiler anyway.
#pragma once

#include <dlfcn.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
