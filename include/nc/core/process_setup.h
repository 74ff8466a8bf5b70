// Process settings for tensor workloads on CPU: nc's main applies both, the tests' main the
// allocator (CTest sets OMP_WAIT_POLICY for the suites). Measured on this project's 2-core VM
// (docs/BENCHMARKS.md "Process set-up"): the demo DiT's training step went from 1,356 ms to
// 446-494 ms with the allocator setting, and to 208 ms with both.
#pragma once

namespace nc {

// glibc serves large blocks (and by its dynamic threshold many smaller ones) with a fresh mmap
// and unmaps them on free, so a step that makes and frees the same attention matrices again and
// again page-faults on every one (an add on a 46 MB tensor: 104 ms that way, 1.3 ms from reused
// memory). This serves them from the heap and keeps freed memory for reuse (no mmap, no
// trimming below 2 GB); the process keeps its peak memory until it exits. Call first thing in
// main(). Skipped when the environment sets NC_SYSTEM_MALLOC=1 or the C library is not glibc.
void keep_freed_memory_for_reuse();

// OpenMP workers (LibTorch's intra-op threads) spin after every parallel region by default and
// take the cores from OpenBLAS's own GEMM threads. libgomp reads OMP_WAIT_POLICY only when it is
// loaded, before main() (and the C library's start-up discards environment changes made any
// earlier), so the only way to set it for this process is to run it again: when the environment
// does not set OMP_WAIT_POLICY, this sets it to PASSIVE and re-executes the program with the same
// arguments (about half a second of start-up). Returns when nothing was done or exec failed.
void rerun_with_passive_openmp_wait(char** argv);

}  // namespace nc
