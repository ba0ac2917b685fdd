using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// Drag-to-select on a chart (wwwroot/js/chart-brush.js): the browser reports drags and clicks
/// as fractions of the plot to the component's [JSInvokable] OnPlotDrag / OnPlotClick.
/// </summary>
internal sealed class ChartBrush : IAsyncDisposable
{
    private readonly IJSObjectReference? _module;
    private readonly IJSObjectReference? _brush;
    private readonly IDisposable _target;

    private ChartBrush(IJSObjectReference? module, IJSObjectReference? brush, IDisposable target) =>
        (_module, _brush, _target) = (module, brush, target);

    /// <param name="mode">"plot" when the element is the data area, "series" for a MudBlazor time chart.</param>
    public static async Task<ChartBrush> AttachAsync<T>(IJSRuntime js, ElementReference plot, T component, string mode) where T : class
    {
        var target = DotNetObjectReference.Create(component);
        var module = await js.InvokeAsync<IJSObjectReference>("import", "./js/chart-brush.js");
        var brush = module is null ? null : await module.InvokeAsync<IJSObjectReference>("attachBrush", plot, target, mode);
        return new ChartBrush(module, brush, target);
    }

    /// <summary>A moment between <paramref name="from"/> and <paramref name="to"/> at fraction <paramref name="x"/>, in whole seconds.</summary>
    public static DateTime At(DateTime from, DateTime to, double x, bool roundUp)
    {
        var t = from.Ticks + (long)(Math.Clamp(x, 0, 1) * (to - from).Ticks);
        var down = t - (t % TimeSpan.TicksPerSecond);
        return new DateTime(roundUp && down != t ? down + TimeSpan.TicksPerSecond : down, DateTimeKind.Utc);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_brush is not null)
            {
                await _brush.InvokeVoidAsync("dispose");
                await _brush.DisposeAsync();
            }
            if (_module is not null)
                await _module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone: the browser dropped the listeners with the page.
        }
        _target.Dispose();
    }
}
