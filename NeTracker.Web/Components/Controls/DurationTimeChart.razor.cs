using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Charts;
using NeTracker.Web.Components;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>p50/p95/p99 of connection durations per time bucket, in milliseconds (UTC axis).</summary>
public partial class DurationTimeChart
{
    private readonly TimeSeriesChartOptions _options = TimeChartOptions.Create(v => DurationFormat.Format((long)(v * 1e6)));
    private List<ChartSeries<double>> _series = [];
    private IReadOnlyList<SecondStats>? _rendered;
    private int _points;

    /// <summary>Buckets from the store, oldest first; the chart rebuilds only when this instance changes.</summary>
    [Parameter, EditorRequired] public required IReadOnlyList<SecondStats> Buckets { get; set; }

    [Parameter] public string Scope { get; set; } = "all interfaces";

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Buckets, _rendered))
            return;
        _rendered = Buckets;
        var withData = Buckets.Where(b => b.Count > 0).ToList();
        _points = withData.Count;
        _series =
        [
            Series("p50", withData, b => b.P50Ns),
            Series("p95", withData, b => b.P95Ns),
            Series("p99", withData, b => b.P99Ns),
        ];
        TimeChartOptions.SetSpacing(_options, Buckets);
    }

    private static ChartSeries<double> Series(string name, List<SecondStats> buckets, Func<SecondStats, long?> value) => new()
    {
        Name = name,
        Data = buckets.Select(b => new TimeValue<double>(b.SecondUtc, value(b)!.Value / 1e6)).ToArray(),
    };
}
