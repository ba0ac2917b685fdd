using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Charts;
using Microsoft.JSInterop;
using NeTracker.Web.Live;

namespace NeTracker.Web.Components.Controls;

/// <summary>Connections closed per second, averaged over each time bucket; a drag selects a time range.</summary>
public sealed partial class RateTimeChart : IAsyncDisposable
{
    private ElementReference _plot;
    private ChartBrush? _brush;
    private readonly TimeSeriesChartOptions _options = TimeChartOptions.Create(v => v.ToString(v < 10 ? "0.#" : "N0", CultureInfo.InvariantCulture), "connections/s");
    private List<ChartSeries<double>> _series = [];
    private IReadOnlyList<SecondStats>? _rendered;
    private long _total;

    [Parameter, EditorRequired] public required IReadOnlyList<SecondStats> Buckets { get; set; }

    [Parameter] public TimeSpan Step { get; set; } = TimeSpan.FromSeconds(1);

    [Parameter] public string Scope { get; set; } = "all interfaces";

    [Parameter] public EventCallback<ChartSelection> Selected { get; set; }

    [Inject] private IJSRuntime JS { get; set; } = null!;

    protected override void OnInitialized() => _options.ShowLegend = false; // one series: the title names it

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

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
            return;
        _brush = await ChartBrush.AttachAsync(JS, _plot, this, "series");
        StateHasChanged();
    }

    /// <summary>A drag across fractions <paramref name="x0"/>..<paramref name="x1"/> of the line (first to last bucket's start).</summary>
    [JSInvokable]
    public Task OnPlotDrag(double x0, double x1)
    {
        if (Buckets.Count < 2)
            return Task.CompletedTask;
        var (first, last) = (Buckets[0].SecondUtc, Buckets[^1].SecondUtc);
        var from = ChartBrush.At(first, last, x0, roundUp: false);
        var to = ChartBrush.At(first, last, x1, roundUp: true) + Step; // the last bucket touched, whole
        return Selected.InvokeAsync(new ChartSelection(from, to));
    }

    /// <summary>A click is not a range here: only the heat map has cells.</summary>
    [JSInvokable]
    public Task OnPlotClick(double x, double y) => Task.CompletedTask;

    public ValueTask DisposeAsync() => _brush?.DisposeAsync() ?? ValueTask.CompletedTask;
}
