using NeTracker.Probe.Events;

namespace NeTracker.Probe.Kernel;

/// <summary>The TC object an instance runs (bpf/bpf.targets builds each from bpf/netracker.bpf.c).</summary>
public enum TcObjectKind
{
    /// <summary>netracker.bpf.o: ring buffer, atomic fetch operations (Linux ≥ 5.12).</summary>
    Full = 0,

    /// <summary>netracker_compat.bpf.o: ring buffer, nothing newer than Linux 5.10.</summary>
    Compat = 1,

    /// <summary>netracker_trace.bpf.o: the trace transport (bpf_trace_vprintk, Linux ≥ 5.16).</summary>
    Trace = 2,
}

/// <summary>Which TC object to load, from the transport asked for and what the kernel accepts.</summary>
public static class TcObjects
{
    /// <summary>Forces a variant on any kernel (full, compat or auto): the kernel matrix runs the
    /// 5.10 path on newer kernels with it. <see cref="ProbeOptions.TcVariant"/> wins over it.</summary>
    public const string VariantEnvironment = "NETRACKER_TC_VARIANT";

    public static string Name(TcObjectKind kind) => kind switch
    {
        TcObjectKind.Full => "full",
        TcObjectKind.Compat => "compat",
        _ => "trace",
    };

    public static string FileName(TcObjectKind kind) => kind switch
    {
        TcObjectKind.Full => "netracker.bpf.o",
        TcObjectKind.Compat => "netracker_compat.bpf.o",
        _ => "netracker_trace.bpf.o",
    };

    /// <summary>The object's path: the configured (full) object, or its sibling of that kind.</summary>
    public static string PathOf(ProbeOptions options, TcObjectKind kind)
        => kind == TcObjectKind.Full
            ? options.ResolvedBpfObjectPath
            : Path.Combine(Path.GetDirectoryName(options.ResolvedBpfObjectPath) ?? ".", FileName(kind));

    /// <summary>The variant asked for: the option when it names one, else the environment.</summary>
    public static TcVariant Requested(TcVariant option, string? environment)
    {
        if (option != TcVariant.Auto || string.IsNullOrWhiteSpace(environment))
            return option;
        return environment.Trim().ToLowerInvariant() switch
        {
            "auto" => TcVariant.Auto,
            "full" => TcVariant.Full,
            "compat" => TcVariant.Compat,
            _ => throw new ProbeException($"{VariantEnvironment}='{environment}' is not a TC object variant: use auto, full or compat."),
        };
    }

    /// <summary>The transport in use and why it is not the one asked for ("" when it is). A
    /// kernel without ring buffers falls back to the trace transport; the trace transport on a
    /// kernel without bpf_trace_vprintk is refused (asked for by name, it cannot be honoured).</summary>
    public static (ProbeTransport Transport, string Warning) ChooseTransport(ProbeTransport requested, KernelFeatures f)
    {
        if (!f.Permitted)
            throw new ProbeException("the kernel refuses this process BPF maps and programs (EPERM): run as root, "
                                     + "or with CAP_BPF + CAP_NET_ADMIN + CAP_PERFMON.") { Failure = ProbeFailure.Permission };
        if (requested == ProbeTransport.Trace)
        {
            return f.TraceVprintk
                ? (ProbeTransport.Trace, "")
                : throw new ProbeException("the trace transport needs bpf_trace_vprintk (Linux ≥ 5.16), which this kernel refused"
                                           + $"{Why(f, nameof(KernelFeatures.TraceVprintk))}: use the ring buffer (--transport ringbuf, the default).") { Failure = ProbeFailure.KernelRefused };
        }
        if (f.Ringbuf)
            return (ProbeTransport.Ringbuf, "");
        return f.TraceVprintk
            ? (ProbeTransport.Trace, $"ring buffer unavailable, using the trace transport{Why(f, nameof(KernelFeatures.Ringbuf))}")
            : throw new ProbeException("this kernel has neither BPF ring buffers (Linux ≥ 5.8) nor bpf_trace_vprintk (Linux ≥ 5.16): "
                                       + $"NeTracker cannot report connections here{Why(f, nameof(KernelFeatures.Ringbuf))}.") { Failure = ProbeFailure.KernelRefused };
    }

    /// <summary>The object for a transport: trace's own, or the ring-buffer variant asked for
    /// (auto: the full one where the kernel accepts it, else compat).</summary>
    public static TcObjectKind Choose(ProbeTransport transport, KernelFeatures f, TcVariant requested)
        => transport == ProbeTransport.Trace ? TcObjectKind.Trace
            : f.SelectTc(requested) == TcVariant.Full ? TcObjectKind.Full : TcObjectKind.Compat;

    /// <summary>The kind of the object pinned for an instance, from the maps it pinned (only the
    /// ring-buffer objects have "events", only compat has "state_locks"); null when none is.</summary>
    public static TcObjectKind? Pinned(PinPaths pins)
    {
        if (!File.Exists(pins.Ingress) || !File.Exists(pins.Conns))
            return null;
        if (!File.Exists(pins.Events))
            return TcObjectKind.Trace;
        return File.Exists(pins.StateLocks) ? TcObjectKind.Compat : TcObjectKind.Full;
    }

    private static string Why(KernelFeatures f, string name)
        => f.Reasons.TryGetValue(name, out var why) && why.Length > 0 ? $" ({why})" : "";
}
