using System.Text.Json;
using NeTracker.Probe.Kernel;
using NeTracker.Probe.Tc;

namespace NeTracker.Probe;

public sealed partial class ConnectionProbe
{
    /// <summary>Every interface of this namespace (sysfs, like every other question about
    /// interfaces here) with its addresses (`ip -j addr show`), NeTracker's and foreign filters,
    /// plus the ones deleted while attached (oper state "deleted").</summary>
    public async Task<IReadOnlyList<InterfaceState>> ListInterfacesAsync(CancellationToken ct)
    {
        var addresses = ParseAddresses(await ToolRunner.RunCheckedAsync(_options.IpPath, ["-j", "addr", "show"], ct).ConfigureAwait(false));
        var withClsact = await _attacher.DevicesWithHooksAsync(ct).ConfigureAwait(false);
        var list = new List<InterfaceState>();
        foreach (var (name, ifindex) in _devices.All().OrderBy(d => d.Value))
        {
            var filters = withClsact.Contains(name) ? await SafeShowAsync(name, ct).ConfigureAwait(false) : TcFilterSet.Empty;
            list.Add(WithDrops(new InterfaceState(name, ifindex, _devices.OperState(name), addresses.GetValueOrDefault(name, []), filters.Attached,
                filters.Foreign.Select(f => f.ToString()).ToList(), RecordsOf(ifindex))));
        }
        foreach (var (name, ifindex) in _vanished)
            list.Add(WithDrops(new InterfaceState(name, ifindex, "deleted", [], false, [], RecordsOf(ifindex))));
        return list;
    }

    private async Task<InterfaceState> StateOfAsync(string name, CancellationToken ct)
    {
        if (_vanished.TryGetValue(name, out var gone))
            return new InterfaceState(name, gone, "deleted", [], false, [], RecordsOf(gone));
        var ifindex = _devices.IfIndexOf(name);
        if (ifindex is null)
            return new InterfaceState(name, 0, "absent", [], false, [], 0);
        var filters = await SafeShowAsync(name, ct).ConfigureAwait(false);
        var addresses = ParseAddresses(await ToolRunner.RunCheckedAsync(_options.IpPath, ["-j", "addr", "show", "dev", name], ct)
                .ConfigureAwait(false)).GetValueOrDefault(name, []);
        return WithDrops(new InterfaceState(name, ifindex.Value, _devices.OperState(name), addresses, filters.Attached,
            filters.Foreign.Select(f => f.ToString()).ToList(), RecordsOf(ifindex.Value)));
    }

    /// <summary>What full kernel tables refused on the interface (from the last stats refresh).</summary>
    private InterfaceState WithDrops(InterfaceState state)
        => Counters.DropsByInterface.TryGetValue(state.Name, out var d)
            ? state with { HalfOpenDropped = d.HalfOpenFull, ConnsDropped = d.ConnsFull }
            : state;

    /// <summary>The interfaces that already carry this instance's filters (a restarted probe).
    /// When the program was loaded afresh the filters still point at the old one: re-point them.</summary>
    private async Task RecogniseAttachedAsync(CancellationToken ct)
    {
        foreach (var name in await _attacher.DevicesWithHooksAsync(ct).ConfigureAwait(false))
        {
            if (_devices.IfIndexOf(name) is not { } ifindex)
                continue;
            var filters = await SafeShowAsync(name, ct).ConfigureAwait(false);
            if (filters.Ours.Count == 0)
                continue;
            if (!_program!.Reused)
                await _attacher.AttachAsync(name, _program.Pins.Ingress, _program.Pins.Egress, ct).ConfigureAwait(false);
            else
                _attacher.AdoptPinned(name); // the links a stop pinned to stay: held by this reader again
            _attached[name] = ifindex;
            _names.Remember(name, ifindex);
        }
    }

    private async Task<TcFilterSet> SafeShowAsync(string name, CancellationToken ct)
    {
        try
        {
            return await _attacher.ShowAsync(name, ct).ConfigureAwait(false);
        }
        catch (ProbeException)
        {
            return TcFilterSet.Empty; // deleted between listing and asking: nothing attached
        }
    }

    private long RecordsOf(int ifindex) => _recordsPerIfIndex.TryGetValue(ifindex, out var n) ? n : 0;

    /// <summary>name → "address/prefix" of each interface in `ip -j addr show` output.</summary>
    internal static Dictionary<string, IReadOnlyList<string>> ParseAddresses(string json)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (!e.TryGetProperty("ifname", out var n) || n.GetString() is not { } name)
                continue;
            var addresses = new List<string>();
            if (e.TryGetProperty("addr_info", out var infos))
            {
                foreach (var a in infos.EnumerateArray())
                {
                    if (a.TryGetProperty("local", out var l) && a.TryGetProperty("prefixlen", out var p))
                        addresses.Add($"{l.GetString()}/{p.GetInt32()}");
                }
            }
            result[name] = addresses;
        }
        return result;
    }
}
