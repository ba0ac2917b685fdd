using Microsoft.AspNetCore.Components;

namespace NeTracker.Web.Components;

/// <summary>
/// A page that loads once, then reloads on a timer (the injected <see cref="TimeProvider"/>, so
/// tests own the clock) and re-renders; the timer stops with the circuit. <see cref="Interactive"/>
/// (rendered as data-interactive on the title) tells browser tests the circuit is live, not prerendered.
/// </summary>
public abstract class RefreshingPage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _cts = new();

    [Inject] private TimeProvider Time { get; set; } = null!;

    protected abstract TimeSpan RefreshInterval { get; }

    /// <summary>Cancelled when the page goes away: pass it to every call the page makes.</summary>
    protected CancellationToken Stopping => _cts.Token;

    protected bool Interactive { get; private set; }

    /// <summary>Reads what the page shows; exceptions it does not handle end the refreshing.</summary>
    protected abstract Task LoadAsync();

    /// <summary>False skips a tick (a user action in progress owns the page's state).</summary>
    protected virtual bool ShouldRefresh => true;

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            Interactive = true;
            StateHasChanged();
        }
    }

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        _ = RefreshPeriodicallyAsync(_cts.Token);
    }

    private async Task RefreshPeriodicallyAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(RefreshInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (!ShouldRefresh)
                    continue;
                await InvokeAsync(async () =>
                {
                    await LoadAsync();
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
        GC.SuppressFinalize(this);
    }
}
