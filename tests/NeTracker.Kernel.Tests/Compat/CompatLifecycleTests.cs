using NeTracker.Kernel.Tests.Probe;
using NeTracker.Probe.Events;
using NeTracker.Probe.Kernel;

namespace NeTracker.Kernel.Tests.Compat;

/// <summary>The Linux 5.10 TC object (netracker_compat.bpf.o: the state word under a spin lock,
/// no atomic fetch operation, the precise clock), forced on this kernel so that its code path is
/// exercised wherever the tests run, not only in a 5.10 guest.</summary>
public sealed class CompatLifecycleFixture : LifecycleFixture
{
    protected override ProbeTransport Transport => ProbeTransport.Ringbuf;

    protected override TcVariant Variant => TcVariant.Compat;

    protected override string? ExpectedTcObject => "compat";
}

/// <summary>Every lifecycle case (each close mode, simultaneous close reported once, reused
/// ports, sweeps, trailing packets) through the compat object; the fixture refuses to run
/// them on any other.</summary>
[Trait("Category", "Kernel")]
public sealed class CompatLifecycleTests(CompatLifecycleFixture f)
    : LifecycleTests<CompatLifecycleFixture>(f), IClassFixture<CompatLifecycleFixture>;
