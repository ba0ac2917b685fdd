using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using NeTracker.Web.Components;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>Durations of a window in the 1-2-5 logarithmic <see cref="DurationBinAxis"/> (1 µs, 2 µs, 5 µs, 10 µs, ...).</summary>
public partial class DurationHistogramChart
{
    private const int MinBins = 6;

    private readonly BarChartOptions _options = new()
    {
        ShowLegend = false,
        YAxisLines = true,
        MaxNumYAxisTicks = 5,
        YAxisToStringFunc = v => v.ToString("N0", CultureInfo.InvariantCulture),
        XAxisLabelRotation = 0,
        YAxisTitle = "connections",
    };
    private List<ChartSeries<double>> _series = [];
    private string[] _labels = [];
    private DurationHistogram? _rendered;

    [Parameter, EditorRequired] public required DurationHistogram Histogram { get; set; }

    [Parameter] public string Scope { get; set; } = "last minute";

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Histogram, _rendered))
            return;
        _rendered = Histogram;
        var bins = DurationBinAxis.Of(Histogram);
        var first = Array.FindIndex(bins, c => c > 0);
        var last = Array.FindLastIndex(bins, c => c > 0);
        if (first < 0)
            return;
        // Keep a few bins around the data so a single bar still reads as a histogram.
        while (last - first + 1 < MinBins)
        {
            if (first > 0)
                first--;
            if (last - first + 1 < MinBins && last < bins.Length - 1)
                last++;
        }
        // Labels at each decade only: 1-2-5 labels for every bar overlap on a laptop screen.
        _labels = [.. Enumerable.Range(first, last - first + 1).Select(b => b % 3 == 0 || last - first < 8 ? DurationBinAxis.Label(b) : "")];
        _series = [new ChartSeries<double> { Name = "connections", Data = bins[first..(last + 1)].Select(c => (double)c).ToArray() }];
    }
}
