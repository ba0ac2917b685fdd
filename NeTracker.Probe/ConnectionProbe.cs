using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NeTracker.Probe.Events;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Model;
using NeTracker.Probe.Tc;
using NeTracker.Probe.Trace;

namespace NeTracker.Probe;

/// <summary>
/// The probe: one loaded program (pinned per instance), tc filters on the interfaces a user
/// picks, the instance's trace_pipe turned into <see cref="ConnectionRecord"/>s, and a sweeper
/// for connections that can never finish. Records go to a bounded channel; when the consumer
/// falls behind they are dropped and counted (<see cref="ProbeCounters.ChannelDrops"/>), so the
/// trace reader never stalls.
/// </summary>
public sealed partial class ConnectionProbe : IConnectionProbe
{
    private readonly ProbeOptions _options;
    private readonly ILogger? _logger;
    private readonly BpfLoader _loader;
    private readonly TcAttacher _attacher;
    private readonly NetDevices _devices = new();
    private readonly InterfaceNames _names;
    private readonly KernelClock _clock;
    private readonly Channel<IReadOnlyList<ConnectionRecord>> _records;
    private readonly SemaphoreSlim _tcLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _readStop = new();

    /// <summary>name → ifindex of the interfaces this instance is attached to.</summary>
    private readonly ConcurrentDictionary<string, int> _attached = new(StringComparer.Ordinal);

    /// <summary>Interfaces deleted while attached: name → ifindex, until detached by name.</summary>
    private readonly ConcurrentDictionary<string, int> _vanished = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<int, long> _recordsPerIfIndex = new();
    private LoadedProgram? _program;
    private IEventSource? _source;
    private InstanceLock? _instanceLock;
    private bool _started;
    private TableSweeper? _sweeper;
    private ConnTable? _table;
    private KernelStats? _stats;
    private RecordFactory? _factory;
    private Names.ServerNames? _serverNames;
    private Task _readLoop = Task.CompletedTask;
    private Task _sweepLoop = Task.CompletedTask;
    private Task _leaseLoop = Task.CompletedTask;
    private IReadOnlyList<ActiveConnection> _active = [];

    public ConnectionProbe(ProbeOptions options, ILogger<ConnectionProbe>? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _options = options;
        _logger = logger;
        _loader = new BpfLoader(options, logger);
        _attacher = new TcAttacher(TcOptions.ForInstance(options.InstanceName, options.TcPath, options.StateRoot));
        _names = new InterfaceNames(_devices);
        _clock = new KernelClock(time);
        _records = Channel.CreateBounded<IReadOnlyList<ConnectionRecord>>(new BoundedChannelOptions(options.ChannelCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: full = false = counted drop
        });
    }

    public string InstanceName => _options.InstanceName;

    /// <summary>The id in every NTv1 line of this instance (0 before <see cref="StartAsync"/>).</summary>
    public uint InstanceId => _program?.InstanceId ?? 0;

    /// <summary>Where the programs and maps are pinned.</summary>
    public PinPaths Pins => _loader.Pins;

    /// <summary>The tc priority and handle of this instance's filters.</summary>
    public TcOptions Tc => _attacher.Options;

    public ChannelReader<IReadOnlyList<ConnectionRecord>> Records => _records.Reader;

    public IReadOnlyList<ActiveConnection> ActiveConnections => Volatile.Read(ref _active);

    public ProbeCounters Counters { get; } = new();

    /// <summary>Interfaces deleted while this probe was attached to them.</summary>
    public IReadOnlyCollection<string> VanishedInterfaces => _vanished.Keys.ToList();

    /// <summary>The transport in use: the configured one, or trace when the kernel has no ring buffers.</summary>
    public ProbeTransport Transport => _loader.Transport;

    public async Task StartAsync(CancellationToken ct)
    {
        if (_started)
            return;
        // One reader per instance: a second one would take the other's events from the ring
        // buffer and fight over its consumer position.
        var instanceLock = _options.ReadEvents ? InstanceLock.Acquire(_options.StateRoot, _options.InstanceName) : null;
        IEventSource? source = null;
        try
        {
            _program = await _loader.LoadAsync(ct).ConfigureAwait(false);
            OpenLease();
            _table = new ConnTable(_program.Pins);
            Volatile.Write(ref Counters.TableCapacity, _table.Capacity);
            _stats = new KernelStats(_program.Pins);
            _sweeper = new TableSweeper(_table, _options, () => _clock.NowNs);
            _serverNames = _options.ReadEvents && _loader.Transport == ProbeTransport.Ringbuf
                ? new Names.ServerNames(_options.NameSettings, () => _clock.NowNs, Counters.Names) : null;
            _factory = new RecordFactory(Environment.MachineName, _names, _clock, NewOwnerResolver(), _serverNames);
            Counters.TransportWarning = _loader.TransportWarning;
            Counters.Transport = _loader.Transport == ProbeTransport.Ringbuf ? "ringbuf" : "trace";
            Counters.TcObject = TcObjects.Name(_loader.TcObject);
            Volatile.Write(ref Counters.KernelDegradations, _loader.Features.Degradations);
            RefreshKernelStats();
            if (_options.ReadEvents)
                source = await OpenSourceAsync(ct).ConfigureAwait(false);
            await RecogniseAttachedAsync(ct).ConfigureAwait(false);
            await AttachOwnerProgramAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            // Leave nothing half-started behind: no tracefs instance, no open fds, no lock; a
            // later StartAsync retries.
            if (source is not null)
                await source.DisposeAsync().ConfigureAwait(false);
            _table?.Dispose();
            _stats?.Dispose();
            (_table, _stats) = (null, null);
            _attacher.ReleaseLinks();
            _loader.Owners.ReleaseLinks();
            CloseLease();
            instanceLock?.Dispose();
            throw;
        }
        _started = true;
        _instanceLock = instanceLock;
        if (source is null)
            return; // attach, detach, status: the tables and filters, no events
        _source = source;
        _leaseLoop = Task.Run(() => LeaseLoopAsync(_stop.Token), CancellationToken.None);
        _readLoop = source.RunAsync(Publish, _readStop.Token);
        _sweepLoop = Task.Run(() => SweepLoopAsync(_stop.Token), CancellationToken.None);
    }

    private async Task<IEventSource> OpenSourceAsync(CancellationToken ct)
    {
        if (_loader.Transport == ProbeTransport.Trace)
            return await TraceEventSource.OpenAsync(_options, _program!.InstanceId, _factory!, Counters, _logger, ct).ConfigureAwait(false);
        return new RingBufferEventSource(_program!.Pins.Events, _factory!, Counters, _options.RingBufferPoll, _logger,
            _program.Pins.Names, _serverNames);
    }

    public async Task<InterfaceState> AttachAsync(string interfaceName, CancellationToken ct)
    {
        NetDevices.Validate(interfaceName);
        if (!_started || _program is null)
            throw new ProbeException("the probe is not started: call StartAsync first.");
        await _tcLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var ifindex = _devices.IfIndexOf(interfaceName)
                          ?? throw new ProbeException($"interface '{interfaceName}' does not exist: pick one from the interface list.");
            RenewLeaseForAttach();
            await _attacher.AttachAsync(interfaceName, _program.Pins.Ingress, _program.Pins.Egress, ct).ConfigureAwait(false);
            _attached[interfaceName] = ifindex;
            _vanished.TryRemove(interfaceName, out _);
            _names.Remember(interfaceName, ifindex);
            _logger?.LogInformation("attached to {Interface} (ifindex {IfIndex})", interfaceName, ifindex);
            await AttachOwnerProgramAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _tcLock.Release();
        }
        return await StateOfAsync(interfaceName, ct).ConfigureAwait(false);
    }

    public async Task<InterfaceState> DetachAsync(string interfaceName, CancellationToken ct)
    {
        NetDevices.Validate(interfaceName);
        await _tcLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            int? ifindex = _attached.TryGetValue(interfaceName, out var a) ? a
                : _vanished.TryGetValue(interfaceName, out var v) ? v
                : _devices.IfIndexOf(interfaceName);
            var removed = await _attacher.DetachAsync(interfaceName, ct).ConfigureAwait(false);
            _attached.TryRemove(interfaceName, out _);
            _vanished.TryRemove(interfaceName, out _);
            // Filters are gone: nothing updates this interface's entries any more.
            if (ifindex is { } i && _sweeper is not null)
                await ReportDetachedAsync(i, ct).ConfigureAwait(false);
            if (removed)
                _logger?.LogInformation("detached from {Interface}", interfaceName);
            await DetachOwnerProgramAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _tcLock.Release();
        }
        return await StateOfAsync(interfaceName, ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested)
            return;
        if (_options.DetachOnDispose)
        {
            foreach (var name in _attached.Keys.ToList())
            {
                try
                {
                    await DetachAsync(name, CancellationToken.None).ConfigureAwait(false);
                }
                catch (ProbeException ex)
                {
                    _logger?.LogWarning("detaching {Interface} on shutdown failed: {Message}", name, ex.Message);
                }
            }
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _readStop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_readLoop, _sweepLoop, _leaseLoop).ConfigureAwait(false);
        if (_source is not null)
            await _source.DisposeAsync().ConfigureAwait(false);
        if (_serverNames is not null)
            await _serverNames.DisposeAsync().ConfigureAwait(false);
        // The programs stay loaded while any interface still uses them (a later `status` or a
        // restarted probe finds them); otherwise nothing is left behind in bpffs.
        if (_program is not null && !_attached.Keys.Any(n => _devices.IfIndexOf(n) is not null))
        {
            _attached.Clear(); // only vanished ones were left
            await DetachOwnerProgramAsync(CancellationToken.None).ConfigureAwait(false);
            _attacher.ReleaseLinks();
            _loader.RemovePins();
        }
        else if (_program is not null)
        {
            StayAttached();
        }
        CloseLease();
        _records.Writer.TryComplete();
        RefreshKernelStats();
        _table?.Dispose();
        _stats?.Dispose();
        _instanceLock?.Dispose();
        _stop.Dispose();
        _readStop.Dispose();
        _tcLock.Dispose();
    }

    /// <summary>Reads the kernel's counters now (the sweep loop does every SweepInterval).</summary>
    public void RefreshCounters() => RefreshKernelStats();

    /// <summary>Every entry of the kernel's connection tables (established and half-open).</summary>
    public async Task<IReadOnlyList<ConnEntry>> ReadTablesAsync(CancellationToken ct)
        => _table is null ? [] : await _table.DumpAsync(ct).ConfigureAwait(false);

    /// <summary>The kernel's counters into <see cref="Counters"/> (losses, full tables per interface).</summary>
    private void RefreshKernelStats()
    {
        _stats?.Refresh(Counters, _loader.Transport == ProbeTransport.Ringbuf, i => _names.Resolve(i));
        RefreshLeaseState();
        if (_table is { } table)
            Volatile.Write(ref Counters.HalfOpenNow, table.HalfOpenCount);
    }

    /// <summary>Hands a batch on whole, or counts every record of it as dropped.</summary>
    private void Publish(IReadOnlyList<ConnectionRecord> batch)
    {
        if (batch.Count == 0)
            return;
        if (_records.Writer.TryWrite(batch))
        {
            Interlocked.Add(ref Counters.RecordsEmitted, batch.Count);
            foreach (var record in batch)
                _recordsPerIfIndex.AddOrUpdate(record.IfIndex, 1, (_, n) => n + 1);
        }
        else
        {
            Interlocked.Add(ref Counters.ChannelDrops, batch.Count);
        }
    }
}
