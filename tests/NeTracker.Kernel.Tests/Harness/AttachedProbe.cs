using NeTracker.Probe;
using NeTracker.Probe.Events;

namespace NeTracker.Kernel.Tests.Harness;

/// <summary>A started <see cref="ConnectionProbe"/> with a unique instance name, attached to some
/// interfaces, its records collected. DisposeAsync detaches and unloads.</summary>
public sealed class AttachedProbe : IAsyncDisposable
{
    private AttachedProbe(ConnectionProbe probe, RecordCollector records)
    {
        Probe = probe;
        Records = records;
    }

    public ConnectionProbe Probe { get; }
    public RecordCollector Records { get; }

    /// <summary>Short timeouts so sweeps happen within a test.</summary>
    public static ProbeOptions TestOptions(string? instance = null, ProbeTransport transport = ProbeTransport.Ringbuf) => new()
    {
        InstanceName = instance ?? "kt" + TestNetwork.NewSuffix(),
        Transport = transport,
        SweepInterval = TimeSpan.FromMilliseconds(400),
        UnansweredAfter = TimeSpan.FromSeconds(2.5), // > the 1 s and 2 s gaps of the first SYN retransmits
        HalfClosedTimeout = TimeSpan.FromSeconds(2),
        TraceBufferKbPerCpu = 4096,
    };

    public static async Task<AttachedProbe> StartAsync(ProbeOptions options, params string[] interfaces)
    {
        var probe = new ConnectionProbe(options);
        try
        {
            await probe.StartAsync(CancellationToken.None);
            foreach (var i in interfaces)
                await probe.AttachAsync(i, CancellationToken.None);
        }
        catch
        {
            await DetachAllAsync(probe, interfaces);
            await probe.DisposeAsync();
            throw;
        }
        return new AttachedProbe(probe, new RecordCollector(probe));
    }

    public static Task<AttachedProbe> StartAsync(params string[] interfaces) => StartAsync(TestOptions(), interfaces);

    public async ValueTask DisposeAsync()
    {
        await DetachAllAsync(Probe, (await Probe.ListInterfacesAsync(CancellationToken.None)).Where(i => i.Attached).Select(i => i.Name));
        await Probe.DisposeAsync();
        await Records.DisposeAsync();
    }

    private static async Task DetachAllAsync(ConnectionProbe probe, IEnumerable<string> interfaces)
    {
        foreach (var i in interfaces)
        {
            try
            {
                await probe.DetachAsync(i, CancellationToken.None);
            }
            catch (ProbeException)
            {
                // already gone with its interface
            }
        }
    }
}
