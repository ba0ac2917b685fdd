using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// Drag-to-select around one MudBlazor time chart: a drag across its line selects the time
/// buckets it touched, whole (<see cref="FirstUtc"/> is the first point's bucket start,
/// <see cref="LastUtc"/> the last one's, each bucket <see cref="Step"/> wide).
/// </summary>
public sealed partial class TimeBrush : IAsyncDisposable
{
    private ElementReference _plot;
    private ChartBrush? _brush;

    [Inject] private IJSRuntime JS { get; set; } = null!;

    [Parameter, EditorRequired] public required RenderFragment ChildContent { get; set; }

    [Parameter, EditorRequired] public required DateTime FirstUtc { get; set; }

    [Parameter, EditorRequired] public required DateTime LastUtc { get; set; }

    [Parameter, EditorRequired] public required TimeSpan Step { get; set; }

    [Parameter] public EventCallback<ChartSelection> Selected { get; set; }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
            return;
        _brush = await ChartBrush.AttachAsync(JS, _plot, this, "series");
        StateHasChanged(); // data-brush="ready": drags count from now on
    }

    /// <summary>A drag across fractions <paramref name="x0"/>..<paramref name="x1"/> of the line.</summary>
    [JSInvokable]
    public Task OnPlotDrag(double x0, double x1)
    {
        if (LastUtc <= FirstUtc)
            return Task.CompletedTask;
        var from = ChartBrush.At(FirstUtc, LastUtc, x0, roundUp: false);
        var to = ChartBrush.At(FirstUtc, LastUtc, x1, roundUp: true) + Step; // the last bucket touched, whole
        return Selected.InvokeAsync(new ChartSelection(from, to));
    }

    /// <summary>A click is not a range: only the heat map has cells.</summary>
    [JSInvokable]
    public Task OnPlotClick(double x, double y) => Task.CompletedTask;

    public ValueTask DisposeAsync() => _brush?.DisposeAsync() ?? ValueTask.CompletedTask;
}
