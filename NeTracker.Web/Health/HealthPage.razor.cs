using Microsoft.AspNetCore.Components;

namespace NeTracker.Web.Health;

/// <summary>
/// One section per registered <see cref="IHealthReporter"/> (probe, kernel, dashboard, and
/// whatever other parts register), refreshed every two seconds.
/// </summary>
public sealed partial class HealthPage : IDisposable
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _cts = new();
    private List<Section> _sections = [];

    [Inject] private IEnumerable<IHealthReporter> Reporters { get; set; } = null!;
    [Inject] private TimeProvider Time { get; set; } = null!;

    private sealed record Section(string Title, IReadOnlyList<HealthItem> Items, string? Error);

    private bool _interactive;

    // data-interactive on the title tells browser tests the circuit is live (not prerendered).
    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _interactive = true;
            StateHasChanged();
        }
    }

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        _ = RefreshPeriodicallyAsync(_cts.Token);
    }

    private async Task LoadAsync()
    {
        var sections = new List<Section>();
        foreach (var r in Reporters)
        {
            try
            {
                sections.Add(new Section(r.Title, await r.ReportAsync(_cts.Token), null));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One broken reporter must not hide the others.
                sections.Add(new Section(r.Title, [], "This section failed to report: " + ex.Message));
            }
        }
        _sections = sections;
    }

    private async Task RefreshPeriodicallyAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(RefreshInterval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
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
    }
}
