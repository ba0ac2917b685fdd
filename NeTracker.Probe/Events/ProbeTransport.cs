namespace NeTracker.Probe.Events;

/// <summary>How events travel from the kernel program to the probe; the value is nt_config.transport.</summary>
public enum ProbeTransport
{
    /// <summary>Binary <c>struct nt_event</c> records in a BPF ring buffer, read from mmap.</summary>
    [Abi.Mirrors("NT_TRANSPORT_RINGBUF")] Ringbuf = 0,

    /// <summary>NTv1 text lines via bpf_printk and the instance's trace_pipe (readable with cat).</summary>
    [Abi.Mirrors("NT_TRANSPORT_TRACE")] Trace = 1,
}
