using Microsoft.AspNetCore.Components;
using MudBlazor;
using NeTracker.Probe.Model;
using NeTracker.Web.Components.Controls;
using NeTracker.Web.Health;
using NeTracker.Web.Ingest;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Pages;

/// <summary>
/// The live view. It subscribes to the store once; every throttled notification (at most one
/// per UpdateInterval, whatever the connection rate) is one render batch: KPIs, the grid's
/// visible rows, and — when a new second has started — the charts.
/// </summary>
public sealed partial class Live : IDisposable
{
    private ConnectionGrid? _grid;
    private ConnectionFilter _filter = ConnectionFilter.None;
    private IDisposable? _subscription;
    private bool _paused;
    private long _appendedAtPause;
    private ConnectionRecord? _selected;
    private int _rangeMinutes = 5;
    private TimeSpan _step = TimeSpan.FromSeconds(1);
    private long _chartSecond = long.MinValue;
    private IReadOnlyList<SecondStats> _buckets = [];
    private WindowStats _minute = null!;
    private WindowStats _window = null!;
    private ProgramTop _programs = ProgramTop.Empty;
    private double _closedPerSecond;
    private bool _interactive;

    [Inject] private ConnectionStore Store { get; set; } = null!;
    [Inject] private ProbeHostedService ProbeHost { get; set; } = null!;
    [Inject] private LiveRenderCounter Renders { get; set; } = null!;
    [Inject] private TimeProvider Time { get; set; } = null!;

    private string? ChartInterface => _filter.Interface;

    private string ChartScope => ChartInterface ?? "all interfaces";

    private long NewSincePause => Store.TotalAppended - _appendedAtPause;

    private long? LostEvents => ProbeHost.Probe?.Counters is { } c
        ? Interlocked.Read(ref c.LostEvents) + Interlocked.Read(ref c.ChannelDrops)
        : null;

    private string ProbeText => ProbeHost.State switch
    {
        ProbeState.Running => "running",
        ProbeState.Disabled => "remote agents only",
        ProbeState.Starting => "starting",
        _ => "failed (see Health)",
    };

    private Color ProbeColor => ProbeHost.State switch
    {
        ProbeState.Running => Color.Success,
        ProbeState.Failed => Color.Error,
        _ => Color.Default,
    };

    protected override void OnInitialized()
    {
        UpdateStats(force: true);
        _subscription = Store.Subscribe(OnStoreChangedAsync);
    }

    protected override void OnAfterRender(bool firstRender)
    {
        // The status line reads the grid's snapshot, which exists only after the first render;
        // data-interactive on the title tells browser tests the circuit is live (not prerendered).
        if (firstRender)
        {
            _interactive = true;
            StateHasChanged();
        }
    }

    private Task OnStoreChangedAsync() => InvokeAsync(async () =>
    {
        Renders.Increment();
        UpdateStats(force: false);
        if (!_paused && _grid is not null)
            await _grid.RefreshAsync();
        StateHasChanged();
    });

    // KPIs every notification; charts once per second (their data are per-second buckets).
    private void UpdateStats(bool force)
    {
        var second = Time.GetUtcNow().ToUnixTimeSeconds();
        if (!force && second == _chartSecond)
            return;
        _chartSecond = second;
        var range = TimeSpan.FromMinutes(_rangeMinutes);
        _buckets = Store.GetBuckets(range, _step, ChartInterface);
        _window = Store.GetWindow(range, ChartInterface);
        _minute = _rangeMinutes == 1 ? _window : Store.GetWindow(TimeSpan.FromMinutes(1), ChartInterface);
        _closedPerSecond = Store.GetWindow(TimeSpan.FromSeconds(5), ChartInterface).PerSecond;
        _programs = Store.TopPrograms(range, 5, ChartInterface);
    }

    // The grid takes a new snapshot when it gets the new filter (or the resume) as a parameter.
    private void SetFilter(ConnectionFilter filter)
    {
        var chartsChange = filter.Interface != _filter.Interface;
        _filter = filter;
        if (chartsChange)
            UpdateStats(force: true);
    }

    private void SetRange(int minutes)
    {
        _rangeMinutes = minutes;
        // ≤ 300 points per series keeps the SVG light: 1 s steps up to 5 min, then coarser.
        _step = TimeSpan.FromSeconds(Math.Max(1, minutes * 60 / 300));
        UpdateStats(force: true);
    }

    private void TogglePause()
    {
        _paused = !_paused;
        _appendedAtPause = Store.TotalAppended;
    }

    private void Select(ConnectionRecord r) => _selected = r;

    public void Dispose() => _subscription?.Dispose();
}
