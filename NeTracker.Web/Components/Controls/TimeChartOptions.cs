using MudBlazor;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>Shared look of the Live page's time charts: UTC clock labels, no markers, thin lines.</summary>
internal static class TimeChartOptions
{
    public static TimeSeriesChartOptions Create(Func<double, string> yLabel) => new()
    {
        ShowDataMarkers = false,
        LineStrokeWidth = 2,
        YAxisLines = true,
        XAxisLines = false,
        YAxisRequireZeroPoint = true,
        MaxNumYAxisTicks = 5,
        YAxisToStringFunc = yLabel,
        TimeLabelFormat = "HH:mm:ss",
        TooltipTimeLabelFormat = "HH:mm:ss 'UTC'",
        TimeLabelSpacing = TimeSpan.FromMinutes(1),
    };

    /// <summary>About six time labels across whatever the window is.</summary>
    public static void SetSpacing(TimeSeriesChartOptions o, IReadOnlyList<SecondStats> buckets)
    {
        if (buckets.Count < 2)
            return;
        var span = buckets[^1].SecondUtc - buckets[0].SecondUtc;
        var target = span / 6;
        TimeSpan[] steps = [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10)];
        o.TimeLabelSpacing = steps.FirstOrDefault(s => s >= target, steps[^1]);
        o.TimeLabelFormat = o.TimeLabelSpacing < TimeSpan.FromMinutes(1) ? "HH:mm:ss" : "HH:mm";
    }
}
