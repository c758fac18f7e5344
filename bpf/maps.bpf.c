// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* The host sensor's shared state: the license, the configuration the agent
 * sets and the maps of every unit, defined here once (lib/maps.h).
 *
 * The sensor is one BPF object linked from the units of bpf/ (bpftool gen
 * object), which the agent loads as one skeleton:
 *   maps.bpf.c    this: license, configuration, maps
 *   reads.bpf.c   read-family syscalls (read, pread64, readv, preadv,
 *                 preadv2, sendfile, splice, copy_file_range) in five hook
 *                 families, of which the agent loads one
 *   conns.bpf.c   TCP connections: outbound by socket state, inbound at
 *                 accept (one program per hook family)
 *   mmap.bpf.c    mmap and mremap of object data, counted as mapped reads
 *   aio.bpf.c     Linux AIO reads, counted at io_submit
 *   uring.bpf.c   io_uring reads, counted at completion
 * Shared code lives in bpf/lib: the path walk (path.h), the verdict per
 * file (classify.h), fd -> file (fdfile.h), syscall arguments (sysargs.h),
 * counting (counts.h, conn.h), ring-buffer events (events.h) and the hook
 * family macros (hooks.h). Nothing per event leaves the kernel; only rare
 * events (a new reader, a sample object, a new peer) go to the ring
 * buffer. */
#define GW_MAPS_DEFINE
#include "lib/common.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
