// Defence in depth for `--verify`, part 2: the names emu_sandbox.hpp's headers declare for starting a
// process, loading code, making a raw system call or opening a file, poisoned. Included last by
// cuda_emu.hpp and metal_emu.hpp (after which no header may use them), and never by the runtime.
#pragma once

#pragma GCC poison system popen execl execlp execle execv execvp execvpe execve fexecve fork vfork
#pragma GCC poison posix_spawn posix_spawnp dlopen syscall asm __asm__ __asm
#pragma GCC poison fopen freopen fdopen creat ofstream fstream filebuf
