using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Charts;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>Connections closed per second, averaged over each time bucket.</summary>
public partial class RateTimeChart
{
    private readonly TimeSeriesChartOptions _options = TimeChartOptions.Create(v => v.ToString(v < 10 ? "0.#" : "N0", CultureInfo.InvariantCulture));
    private List<ChartSeries<double>> _series = [];
    private IReadOnlyList<SecondStats>? _rendered;
    private long _total;

    [Parameter, EditorRequired] public required IReadOnlyList<SecondStats> Buckets { get; set; }

    [Parameter] public TimeSpan Step { get; set; } = TimeSpan.FromSeconds(1);

    [Parameter] public string Scope { get; set; } = "all interfaces";

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Buckets, _rendered))
            return;
        _rendered = Buckets;
        _total = Buckets.Sum(b => (long)b.Count);
        var seconds = Math.Max(1, Step.TotalSeconds);
        _series =
        [
            new ChartSeries<double>
            {
                Name = "closed/s",
                Data = Buckets.Select(b => new TimeValue<double>(b.SecondUtc, b.Count / seconds)).ToArray(),
            },
        ];
        _options.SeriesDisplayOverrides = new Dictionary<IChartSeries, SeriesDisplayOverride>
        {
            [_series[0]] = new SeriesDisplayOverride { LineDisplayType = LineDisplayType.Area, FillOpacity = 0.25 },
        };
        TimeChartOptions.SetSpacing(_options, Buckets);
    }
}
