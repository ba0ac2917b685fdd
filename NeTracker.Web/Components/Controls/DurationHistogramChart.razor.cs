using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using NeTracker.Web.Components;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// Durations in 1-2-5 logarithmic bins (1 µs, 2 µs, 5 µs, 10 µs, ...), built from the store's
/// fine histogram (20 buckets per decade: 2 and 5 fall on its bucket edges within 0.3 %).
/// </summary>
public partial class DurationHistogramChart
{
    private const int FirstDecade = 3; // 1 µs; shorter durations fall in the first bin
    private const int MinBins = 6;

    private readonly BarChartOptions _options = new()
    {
        ShowLegend = false,
        YAxisLines = true,
        MaxNumYAxisTicks = 5,
        YAxisToStringFunc = v => v.ToString("N0", CultureInfo.InvariantCulture),
        XAxisLabelRotation = 0,
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
        var bins = Bin(Histogram);
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
        _labels = [.. Enumerable.Range(first, last - first + 1).Select(b => b % 3 == 0 || last - first < 8 ? Label(b) : "")];
        _series = [new ChartSeries<double> { Name = "connections", Data = bins[first..(last + 1)].Select(c => (double)c).ToArray() }];
    }

    /// <summary>Counts per 1-2-5 bin, bin k starting at {1,2,5}[k % 3] × 10^(k / 3) µs.</summary>
    internal static long[] Bin(DurationHistogram h)
    {
        const int perDecade = DurationHistogram.BucketsPerDecade;
        var decades = DurationHistogram.Decades - FirstDecade;
        var bins = new long[decades * 3];
        var counts = h.Counts;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
                continue;
            var decade = (i / perDecade) - FirstDecade;
            var r = i % perDecade;
            var bin = decade < 0 ? 0 : Math.Min(bins.Length - 1, (decade * 3) + (r < 6 ? 0 : r < 14 ? 1 : 2));
            bins[bin] += counts[i];
        }
        return bins;
    }

    internal static string Label(int bin) =>
        DurationFormat.Format((long)(new[] { 1, 2, 5 }[bin % 3] * Math.Pow(10, FirstDecade + (bin / 3))));
}
