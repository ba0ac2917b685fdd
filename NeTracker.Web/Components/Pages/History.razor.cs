using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Components;
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
/// </summary>
public partial class History
{
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
    private long? _count;
    private IReadOnlyList<HistoryBucket> _buckets = [];
    private IReadOnlyList<string> _interfaces = [];
    private List<ChartSeries<double>> _countSeries = [], _durationSeries = [];
    private readonly TimeSeriesChartOptions _countOptions = ChartOptions(v => v.ToString("N0", CultureInfo.InvariantCulture));
    private readonly TimeSeriesChartOptions _durationOptions = ChartOptions(v => DurationFormat.Format((long)(v * 1e6)));

    [Inject] private IConnectionHistory Store { get; set; } = null!;
    [Inject] private TimeProvider Time { get; set; } = null!;

    internal string ExportUrl => ConnectionFilterQuery.CsvUrl(_query);

    /// <summary>The same query as the CSV link, as Parquet.</summary>
    internal string ParquetUrl => "/api/connections.parquet" + ConnectionFilterQuery.ToQueryString(_query);

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
        await ApplyAsync();
    }

    private async Task SetRangeAsync(string key)
    {
        _range = key;
        await ApplyAsync();
    }

    private async Task SetFromAsync(string? text)
    {
        (_fromText, _range) = (text, "custom");
        await ApplyAsync();
    }

    private async Task SetToAsync(string? text)
    {
        (_toText, _range) = (text, "custom");
        await ApplyAsync();
    }

    private async Task SetFilterAsync(ConnectionFilter filter)
    {
        _filter = filter;
        await ApplyAsync();
    }

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
            _error = null;
        }
        catch (HistoryUnavailableException e)
        {
            (_error, _count, _buckets) = (e.Message, null, []);
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
        var withData = _buckets.Where(b => b.Count > 0).ToList();
        _countSeries = [new() { Name = "connections", Data = _buckets.Select(b => new TimeValue<double>(b.StartUtc, b.Count)).ToArray() }];
        _durationSeries =
        [
            Series("p50", withData, b => b.P50Ns),
            Series("p95", withData, b => b.P95Ns),
            Series("p99", withData, b => b.P99Ns),
        ];
        foreach (var o in new[] { _countOptions, _durationOptions })
        {
            o.TimeLabelSpacing = range / 6;
            o.TimeLabelFormat = range <= TimeSpan.FromDays(1) ? "HH:mm" : "MM-dd HH:mm";
        }
    }

    private static ChartSeries<double> Series(string name, List<HistoryBucket> buckets, Func<HistoryBucket, long?> value) => new()
    {
        Name = name,
        Data = buckets.Select(b => new TimeValue<double>(b.StartUtc, value(b)!.Value / 1e6)).ToArray(),
    };

    /// <summary>The Live charts' look; the tooltip carries the date because a range can span days
    /// (label format and spacing follow the range, see <see cref="BuildCharts"/>).</summary>
    private static TimeSeriesChartOptions ChartOptions(Func<double, string> yLabel)
    {
        var o = TimeChartOptions.Create(yLabel);
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
