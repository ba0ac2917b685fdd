using System.Threading.Channels;
using NeTracker.Probe;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Tests.Api;

/// <summary>
/// An <see cref="IConnectionProbe"/> with a fixed interface list for the REST tests (the real probe
/// needs root, tc and a veth; the kernel tests cover it). Records which calls reached it.
/// </summary>
internal sealed class FixedInterfacesProbe : IConnectionProbe
{
    private readonly Channel<IReadOnlyList<ConnectionRecord>> _records = Channel.CreateUnbounded<IReadOnlyList<ConnectionRecord>>();

    public List<string> Calls { get; } = [];

    /// <summary>Attaching or detaching this one fails the way tc fails.</summary>
    public string FailingInterface { get; set; } = "brokenif0";

    public string InstanceName => "test";
    public ChannelReader<IReadOnlyList<ConnectionRecord>> Records => _records.Reader;
    public IReadOnlyList<ActiveConnection> ActiveConnections => [];
    public ProbeCounters Counters { get; } = new() { LinesRead = 12, RecordsEmitted = 7, TraceSource = "instance" };

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;

    public Task<InterfaceState> AttachAsync(string interfaceName, CancellationToken ct) => Change("attach", interfaceName, true);

    public Task<InterfaceState> DetachAsync(string interfaceName, CancellationToken ct) => Change("detach", interfaceName, false);

    public IReadOnlyList<string> PinnedInstances => [];

    public Task<InstanceRemoval> RemoveInstanceAsync(CancellationToken ct) => Task.FromResult(new InstanceRemoval([], 0, false));

    public Task<IReadOnlyList<InterfaceState>> ListInterfacesAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<InterfaceState>>([State("lo", 1, false), State("veth-nt0", 7, false), State(FailingInterface, 9, false)]);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private Task<InterfaceState> Change(string what, string name, bool attached)
    {
        Calls.Add($"{what} {name}");
        if (name == FailingInterface)
            throw new ProbeException($"tc filter add on {name} failed: RTNETLINK answers: Operation not supported");
        return Task.FromResult(State(name, 7, attached));
    }

    private static InterfaceState State(string name, int index, bool attached) =>
        new(name, index, "up", ["198.18.0.1/24"], attached, [], 0);
}
