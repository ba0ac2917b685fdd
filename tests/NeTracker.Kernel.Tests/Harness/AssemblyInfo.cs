// Kernel tests share the machine's tracefs, bpffs and two CPUs: one at a time keeps the
// timings (1 ms duration checks) honest and the trace buffers from overflowing.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
