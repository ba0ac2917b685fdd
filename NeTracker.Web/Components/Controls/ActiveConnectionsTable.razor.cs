using Microsoft.AspNetCore.Components;
using NeTracker.Probe;

namespace NeTracker.Web.Components.Controls;

/// <summary>Connections open now, oldest first, with an age that ticks every second.</summary>
public sealed partial class ActiveConnectionsTable : IDisposable
{
    internal const int MaxRows = 200;

    private readonly CancellationTokenSource _cts = new();
    private DateTime _now;

    [Inject] private TimeProvider Time { get; set; } = null!;

    [Parameter] public IReadOnlyList<ActiveConnection> Items { get; set; } = [];

    private IEnumerable<ActiveConnection> Shown => Items.OrderBy(a => a.StartUtc).Take(MaxRows);

    protected override void OnInitialized()
    {
        _now = Time.GetUtcNow().UtcDateTime;
        _ = TickAsync(_cts.Token);
    }

    protected override void OnParametersSet() => _now = Time.GetUtcNow().UtcDateTime;

    private async Task TickAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), Time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (Items.Count == 0)
                    continue;
                await InvokeAsync(() =>
                {
                    _now = Time.GetUtcNow().UtcDateTime;
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _cts.Dispose();
    }
}
