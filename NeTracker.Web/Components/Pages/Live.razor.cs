using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
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
/// visible rows, and — when a new second has started — the charts and top lists.
/// The filters live in the URL (<see cref="FilterUrl"/>): every change navigates, and the page
/// applies whatever URL it is at, so reloads, shared links and Back all show the same view.
/// </summary>
public sealed partial class Live : UrlDrivenPage
{
    private const string RangeKey = "range";
    private static readonly int[] Ranges = [1, 5, 15, 60];

    private ConnectionGrid? _grid;
    private ConnectionFilter _filter = ConnectionFilter.None;
    private List<string> _urlErrors = [];
    private IDisposable? _subscription;
    private bool _paused;
    private long _appendedAtPause;
    private ConnectionRecord? _selected;
    private int _rangeMinutes = 5;
    private TimeSpan _step = TimeSpan.FromSeconds(1);
    private long _chartSecond = long.MinValue;
    private IReadOnlyList<SecondStats> _buckets = [];
    private IReadOnlyList<HeatColumn> _columns = [];
    private TalkerTally? _talkers;
    private EndpointHealthTally? _health;
    private WindowStats _minute = null!;
    private WindowStats _window = null!;
    private ProgramTop _programs = ProgramTop.Empty;
    private ServiceTop _services = ServiceTop.Empty;
    private double _closedPerSecond;
    private bool _interactive;

    [Inject] private ConnectionStore Store { get; set; } = null!;
    [Inject] private ProbeHostedService ProbeHost { get; set; } = null!;
    [Inject] private LiveRenderCounter Renders { get; set; } = null!;
    [Inject] private TimeProvider Time { get; set; } = null!;

    private string? ChartInterface => _filter.Interface;

    private string ChartScope => ChartInterface ?? "all interfaces";

    private long NewSincePause => Store.TotalAppended - _appendedAtPause;

    /// <summary>Unanswered rows the store kept out of the table in the last minute (a flood).</summary>
    private long FoldedLastMinute => Store.FoldedUnansweredLastMinute;

    /// <summary>The drill-down part of the filter, when there is one.</summary>
    private ChartSelection? Selection => _filter is { FromUtc: { } from, ToUtc: { } to }
        ? new ChartSelection(from, to, _filter.MaxDurationNs is null ? null : _filter.MinDurationNs, _filter.MaxDurationNs)
        : null;

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

    protected override async Task OnInitializedAsync()
    {
        await FollowUrlAsync();
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

    protected override Task ApplyUrlAsync(string uri)
    {
        _filter = FilterUrl.Parse(uri, [RangeKey], out var page, out _urlErrors);
        _rangeMinutes = 5;
        if (page.TryGetValue(RangeKey, out var r))
        {
            if (int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var m) && Ranges.Contains(m))
                _rangeMinutes = m;
            else
                _urlErrors.Add($"'{RangeKey}={r}' is not valid: expected one of {string.Join(", ", Ranges)} (minutes).");
        }
        // ≤ 300 columns keeps the SVG light: 1 s steps up to 5 min, then coarser.
        _step = TimeSpan.FromSeconds(Math.Max(1, _rangeMinutes * 60 / 300));
        UpdateStats(force: true);
        return Task.CompletedTask;
    }

    private Task OnStoreChangedAsync() => InvokeAsync(async () =>
    {
        Renders.Increment();
        UpdateStats(force: false);
        if (!_paused && _grid is not null)
            await _grid.RefreshAsync();
        StateHasChanged();
    });

    // KPIs every notification; charts and top lists once per second (their data are per-second buckets).
    private void UpdateStats(bool force)
    {
        var second = Time.GetUtcNow().ToUnixTimeSeconds();
        if (!force && second == _chartSecond)
            return;
        _chartSecond = second;
        var range = TimeSpan.FromMinutes(_rangeMinutes);
        var durations = Store.GetDurationBuckets(range, _step, ChartInterface);
        _buckets = [.. durations.Select(b => b.Stats)];
        _columns = [.. durations.Select(HeatColumn.From)];
        _window = Store.GetWindow(range, ChartInterface);
        _minute = _rangeMinutes == 1 ? _window : Store.GetWindow(TimeSpan.FromMinutes(1), ChartInterface);
        _closedPerSecond = Store.GetWindow(TimeSpan.FromSeconds(5), ChartInterface).PerSecond;
        if (!_paused)
        {
            var talkers = new TalkerTally();
            var health = new EndpointHealthTally();
            foreach (var r in Store.Query(_filter))
            {
                talkers.Add(r);
                health.Add(r);
            }
            _talkers = talkers;
            _health = health;
        }
        _programs = Store.TopPrograms(range, 5, ChartInterface);
        _services = Store.TopServices(range, 5, ChartInterface);
    }

    private string Url(ConnectionFilter filter) =>
        FilterUrl.Build("", filter, (RangeKey, _rangeMinutes == 5 ? null : _rangeMinutes.ToString(CultureInfo.InvariantCulture)));

    // Typing in a filter replaces the history entry; a drill-down adds one, so Back undoes it.
    private void Navigate(ConnectionFilter filter, bool replace) =>
        Navigation.NavigateTo(Url(filter), new NavigationOptions { ReplaceHistoryEntry = replace });

    // The bar edits everything but the drill-down selection, which stays until cleared.
    private void SetFilter(ConnectionFilter fromBar) => Navigate(fromBar with
    {
        FromUtc = _filter.FromUtc,
        ToUtc = _filter.ToUtc,
        MaxDurationNs = fromBar.MinDurationNs == _filter.MinDurationNs ? _filter.MaxDurationNs : null,
    }, replace: true);

    private void SetRange(int minutes)
    {
        _rangeMinutes = minutes;
        Navigate(_filter, replace: true);
    }

    private Task SelectAsync(ChartSelection s)
    {
        var kept = FilterUrl.WithoutSelection(_filter);
        Navigate(kept with
        {
            FromUtc = s.FromUtc,
            ToUtc = s.ToUtc,
            MinDurationNs = s.MaxDurationNs is null ? kept.MinDurationNs : s.MinDurationNs,
            MaxDurationNs = s.MaxDurationNs,
        }, replace: false);
        return Task.CompletedTask;
    }

    private void ClearSelection() => Navigate(FilterUrl.WithoutSelection(_filter), replace: false);

    private string TalkerHref(TalkerRow row) =>
        Url(_filter with { Address = row.Address, Port = row.Port });

    private string HealthHref(EndpointHealthRow row) =>
        Url(_filter with { Address = row.Address, Port = row.Port });

    internal static string SelectionText(ChartSelection s)
    {
        var sameDay = s.FromUtc.Date == s.ToUtc.AddTicks(-1).Date;
        var text = $"{s.FromUtc.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}–{s.ToUtc.ToString(sameDay ? "HH:mm:ss" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC";
        if (s.MaxDurationNs is { } max)
            text += $" · {DurationFormat.Format(s.MinDurationNs ?? 0)} – {DurationFormat.Format(max)}";
        return text;
    }

    private void TogglePause()
    {
        _paused = !_paused;
        _appendedAtPause = Store.TotalAppended;
    }

    private void Select(ConnectionRecord r) => _selected = r;

    protected override void Dispose(bool disposing) => _subscription?.Dispose();
}
