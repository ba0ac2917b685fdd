using Microsoft.AspNetCore.Components;
using NeTracker.Probe;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Components.Controls;

/// <summary>How the open connections are ordered.</summary>
public enum ActiveSort
{
    Oldest,
    Retransmits,
    Rtt,
    Quiet,
}

/// <summary>Connections open now with their state (active, idle, zero-window, retransmitting,
/// half-closed, read from the kernel table at the probe's sweep), filterable by state and
/// sortable, with ages and quiet times that tick every second.</summary>
public sealed partial class ActiveConnectionsTable : IDisposable
{
    internal const int MaxRows = 200;

    private readonly CancellationTokenSource _cts = new();
    private DateTime _now;

    [Inject] private TimeProvider Time { get; set; } = null!;

    [Parameter] public IReadOnlyList<ActiveConnection> Items { get; set; } = [];

    private ConnectionActivity? _state;
    private ActiveSort _sort;

    /// <summary>Only the connections in this state (null: all).</summary>
    [Parameter] public ConnectionActivity? State { get => _state; set => _state = value; }

    private IEnumerable<ActiveConnection> Filtered => _state is { } s ? Items.Where(a => a.Activity == s) : Items;

    private IEnumerable<ActiveConnection> Shown => (_sort switch
    {
        ActiveSort.Retransmits => Filtered.OrderByDescending(a => (long)a.RetransC + a.RetransS).ThenBy(a => a.StartUtc),
        ActiveSort.Rtt => Filtered.OrderByDescending(a => a.RttAvgNs ?? -1).ThenBy(a => a.StartUtc),
        ActiveSort.Quiet => Filtered.OrderBy(a => Max(a.LastCUtc, a.LastSUtc) ?? a.StartUtc),
        _ => Filtered.OrderBy(a => a.StartUtc),
    }).Take(MaxRows);

    /// <summary>Each state with how many open connections are in it (all states, zeros included, so the buttons stay put).</summary>
    private IEnumerable<(ConnectionActivity State, int Count)> Counts
    {
        get
        {
            var counts = new int[Enum.GetValues<ConnectionActivity>().Length];
            foreach (var a in Items)
                counts[(int)a.Activity]++;
            return Enum.GetValues<ConnectionActivity>().Select(s => (s, counts[(int)s]));
        }
    }

    private void Toggle(ConnectionActivity state) => _state = _state == state ? null : state;

    private string Since(DateTime? t) => t is { } at ? DurationFormat.Age(_now - at) : "–";

    private static DateTime? Max(DateTime? a, DateTime? b) => a is null ? b : b is null ? a : a > b ? a : b;

    protected override void OnInitialized()
    {
        _now = Time.GetUtcNow().UtcDateTime;
        _ = TickAsync(_cts.Token);
    }

    protected override void OnParametersSet() => _now = Time.GetUtcNow().UtcDateTime;

    private async Task TickAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), Time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (Items.Count == 0)
                    continue;
                await InvokeAsync(() =>
                {
                    _now = Time.GetUtcNow().UtcDateTime;
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _cts.Dispose();
    }
}
