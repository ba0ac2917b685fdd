using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using MudBlazor;
using MudBlazor.Charts;
using NeTracker.Probe.Model;
using NeTracker.Web.Components.Controls;
using NeTracker.Web.History;
using NeTracker.Web.Api;
using NeTracker.Web.Components;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Pages;

/// <summary>
/// Stored connections over a time range: the live table's filters, charts per time bucket, a
/// server-paged virtualised grid and a CSV export of exactly the same query (the link carries the
/// resolved from/to, so "last hour" exports the hour that is on screen, not a later one), or the
/// same rows as Parquet.
/// The range and filters live in the URL (<see cref="FilterUrl"/>): a quick range as
/// <c>range=1h</c>, a custom one (typed, or a drag / heat-map cell that zooms in) as from/to.
/// </summary>
public sealed partial class History : UrlDrivenPage
{
    private const string RangeKey = "range";

    private const int Buckets = 60;
    private const string LocalFormat = "yyyy-MM-dd'T'HH:mm";

    /// <summary>Average size of a CSV row, for the estimate on the export button.</summary>
    private const double CsvBytesPerRow = 220;

    internal static readonly (string Key, string Label, TimeSpan? Span)[] QuickRanges =
    [
        ("15m", "Last 15 minutes", TimeSpan.FromMinutes(15)),
        ("1h", "Last hour", TimeSpan.FromHours(1)),
        ("6h", "Last 6 hours", TimeSpan.FromHours(6)),
        ("24h", "Last 24 hours", TimeSpan.FromDays(1)),
        ("7d", "Last 7 days", TimeSpan.FromDays(7)),
        ("custom", "Custom", null),
    ];

    private MudDataGrid<ConnectionRecord>? _grid;
    private string _range = "1h";
    private string? _fromText, _toText, _timeError, _error;
    private ConnectionFilter _filter = ConnectionFilter.None;
    private ConnectionFilter _query = ConnectionFilter.None;
    private List<string> _urlErrors = [];
    private long? _count;
    private IReadOnlyList<HistoryBucket> _buckets = [];
    private HistoryBreakdown _breakdown = HistoryBreakdown.Empty;
    private IReadOnlyList<string> _interfaces = [];
    private List<ChartSeries<double>> _countSeries = [];
    private readonly TimeSeriesChartOptions _countOptions = ChartOptions(v => v.ToString("N0", CultureInfo.InvariantCulture), "connections");

    [Inject] private IConnectionHistory Store { get; set; } = null!;
    [Inject] private TimeProvider Time { get; set; } = null!;

    internal string ExportUrl => ConnectionFilterQuery.CsvUrl(_query);

    /// <summary>The same query as the CSV link, as Parquet.</summary>
    internal string ParquetUrl => "/api/connections.parquet" + ConnectionFilterQuery.ToQueryString(_query);

    private string TopScope => _breakdown.Truncated
        ? $"first {HistoryBreakdown.MaxRows:N0} of {_count:N0} connections in the range"
        : $"{_breakdown.Talkers.Records:N0} connections in the range";

    private string BucketLabel => _query is { FromUtc: { } f, ToUtc: { } t } ? WidthLabel((t - f) / Buckets) : "bucket";

    protected override async Task OnInitializedAsync()
    {
        try
        {
            _interfaces = await Store.InterfacesAsync();
        }
        catch (HistoryUnavailableException e)
        {
            _error = e.Message;
        }
        await FollowUrlAsync();
    }

    /// <summary>The URL says everything: a quick range key, or from/to, and the filters.</summary>
    protected override Task ApplyUrlAsync(string uri)
    {
        var parsed = FilterUrl.Parse(uri, [RangeKey], out var page, out _urlErrors);
        _filter = parsed with { FromUtc = null, ToUtc = null };
        if (page.TryGetValue(RangeKey, out var key) && QuickRanges.Any(r => r.Key == key && r.Span is not null))
            _range = key;
        else if (parsed is { FromUtc: { } from, ToUtc: { } to })
            (_range, _fromText, _toText) = ("custom", LocalText(from), LocalText(to));
        else
        {
            if (key is not null)
                _urlErrors.Add($"'{RangeKey}={key}' is not valid: expected one of {string.Join(", ", QuickRanges.Where(r => r.Span is not null).Select(r => r.Key))}, or from and to.");
            _range = "1h";
        }
        return ApplyAsync();
    }

    // Typing replaces the history entry; a zoom adds one, so Back returns to the wider view.
    private void Navigate(ConnectionFilter filter, string range, bool replace)
    {
        var custom = range == "custom";
        var url = FilterUrl.Build("history", custom ? filter : filter with { FromUtc = null, ToUtc = null }, (RangeKey, custom ? null : range));
        Navigation.NavigateTo(url, new NavigationOptions { ReplaceHistoryEntry = replace });
    }

    private void SetRange(string key)
    {
        if (key == "custom")
            _range = key; // the from/to fields take over; nothing to query until they change
        else
            Navigate(_filter, key, replace: true);
    }

    private void SetFrom(string? text) => SetCustom(text, _toText);

    private void SetTo(string? text) => SetCustom(_fromText, text);

    private void SetCustom(string? fromText, string? toText)
    {
        (_fromText, _toText, _range) = (fromText, toText, "custom");
        if (ResolveRange(out var from, out var to))
            Navigate(_filter with { FromUtc = from, ToUtc = to }, "custom", replace: true);
    }

    private void SetFilter(ConnectionFilter fromBar) =>
        Navigate(fromBar with { FromUtc = _query.FromUtc, ToUtc = _query.ToUtc, MaxDurationNs = fromBar.MinDurationNs == _filter.MinDurationNs ? _filter.MaxDurationNs : null },
            _range, replace: true);

    /// <summary>A drag or a heat-map cell: the page zooms into that range (and duration bin).</summary>
    private void Zoom(ChartSelection s)
    {
        var kept = FilterUrl.WithoutSelection(_filter);
        Navigate(kept with
        {
            FromUtc = s.FromUtc,
            ToUtc = s.ToUtc,
            MinDurationNs = s.MaxDurationNs is null ? kept.MinDurationNs : s.MinDurationNs,
            MaxDurationNs = s.MaxDurationNs,
        }, "custom", replace: false);
    }

    private string TalkerHref(TalkerRow row)
    {
        var f = _filter with { Address = row.Address, Port = row.Port };
        return FilterUrl.Build("history", _range == "custom" ? f with { FromUtc = _query.FromUtc, ToUtc = _query.ToUtc } : f, (RangeKey, _range == "custom" ? null : _range));
    }

    private static string LocalText(DateTime utc) =>
        utc.ToString(utc.Second == 0 ? LocalFormat : LocalFormat + ":ss", CultureInfo.InvariantCulture);

    /// <summary>Resolves the range, counts, aggregates, and reloads the grid's visible rows.</summary>
    private async Task ApplyAsync()
    {
        if (!ResolveRange(out var from, out var to))
            return;
        _query = _filter with { FromUtc = from, ToUtc = to };
        try
        {
            _count = await Store.CountAsync(_query);
            _buckets = await Store.AggregateAsync(_query, Buckets);
            _breakdown = await HistoryBreakdown.LoadAsync(Store, _query, _buckets);
            _error = null;
        }
        catch (HistoryUnavailableException e)
        {
            (_error, _count, _buckets, _breakdown) = (e.Message, null, [], HistoryBreakdown.Empty);
        }
        BuildCharts(to - from);
        if (_grid is not null)
            await _grid.ReloadServerData();
    }

    private bool ResolveRange(out DateTime from, out DateTime to)
    {
        _timeError = null;
        if (QuickRanges.FirstOrDefault(r => r.Key == _range).Span is { } span)
        {
            var now = Time.GetUtcNow().UtcDateTime;
            to = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond + TimeSpan.TicksPerSecond, DateTimeKind.Utc);
            from = to - span;
            (_fromText, _toText) = (from.ToString(LocalFormat, CultureInfo.InvariantCulture), to.ToString(LocalFormat, CultureInfo.InvariantCulture));
            return true;
        }
        from = to = default;
        if (!TryParseUtc(_fromText, out from) || !TryParseUtc(_toText, out to))
            _timeError = "enter both times";
        else if (from >= to)
            _timeError = "'from' must be before 'to'";
        return _timeError is null;
    }

    private static bool TryParseUtc(string? text, out DateTime utc) =>
        DateTime.TryParseExact(text, [LocalFormat, LocalFormat + ":ss"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out utc);

    private async Task<GridData<ConnectionRecord>> LoadAsync(GridStateVirtualize<ConnectionRecord> state, CancellationToken ct)
    {
        if (_error is not null || _count is not > 0 || state.Count <= 0)
            return new GridData<ConnectionRecord> { Items = [], TotalItems = 0 };
        try
        {
            var items = await Store.QueryAsync(_query, state.Count, offset: state.StartIndex, ct: ct);
            return new GridData<ConnectionRecord> { Items = items, TotalItems = (int)Math.Min(_count.Value, int.MaxValue) };
        }
        catch (HistoryUnavailableException e)
        {
            _error = e.Message;
            return new GridData<ConnectionRecord> { Items = [], TotalItems = 0 };
        }
    }

    private void BuildCharts(TimeSpan range)
    {
        _countSeries = [new() { Name = "connections", Data = _buckets.Select(b => new TimeValue<double>(b.StartUtc, b.Count)).ToArray() }];
        _countOptions.ShowLegend = false; // one series: the title names it
        _countOptions.TimeLabelSpacing = range / 4;
        _countOptions.TimeLabelFormat = range <= TimeSpan.FromDays(1) ? "HH:mm" : "MM-dd HH:mm";
    }

    /// <summary>The Live charts' look; the tooltip carries the date because a range can span days
    /// (label format and spacing follow the range, see <see cref="BuildCharts"/>).</summary>
    private static TimeSeriesChartOptions ChartOptions(Func<double, string> yLabel, string yTitle)
    {
        var o = TimeChartOptions.Create(yLabel, yTitle);
        o.TooltipTimeLabelFormat = "yyyy-MM-dd HH:mm:ss 'UTC'";
        return o;
    }

    /// <summary>"1 min", "6 min", "2 h", "15 s": the unit that makes the bucket width a whole number when it can.</summary>
    internal static string WidthLabel(TimeSpan w)
    {
        var c = CultureInfo.InvariantCulture;
        if (w >= TimeSpan.FromHours(1) && w.Ticks % TimeSpan.TicksPerHour == 0)
            return w.TotalHours.ToString("0", c) + " h";
        if (w >= TimeSpan.FromMinutes(1) && w.Ticks % TimeSpan.TicksPerMinute == 0)
            return w.TotalMinutes.ToString("0", c) + " min";
        return w.TotalSeconds.ToString(w < TimeSpan.FromSeconds(10) ? "0.##" : "0", c) + " s";
    }

    private static string EstimatedMiB(long rows) => (rows * CsvBytesPerRow / 1048576.0) switch
    {
        < 0.1 => "< 0.1 MiB",
        var m => m.ToString(m < 10 ? "F1" : "N0", CultureInfo.InvariantCulture) + " MiB",
    };

    private static string Endpoint(IPAddress a, int port) =>
        a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{a}]:{port}" : $"{a}:{port}";
}
