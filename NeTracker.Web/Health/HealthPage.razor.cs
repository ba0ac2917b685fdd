using Microsoft.AspNetCore.Components;
using NeTracker.Web.Components;

namespace NeTracker.Web.Health;

/// <summary>
/// One section per registered <see cref="IHealthReporter"/> (probe, kernel, dashboard, and
/// whatever other parts register), refreshed every two seconds.
/// </summary>
public sealed partial class HealthPage : RefreshingPage
{
    private List<Section> _sections = [];

    [Inject] private IEnumerable<IHealthReporter> Reporters { get; set; } = null!;

    protected override TimeSpan RefreshInterval => TimeSpan.FromSeconds(2);

    private sealed record Section(string Title, IReadOnlyList<HealthItem> Items, string? Error);

    protected override async Task LoadAsync()
    {
        var sections = new List<Section>();
        foreach (var r in Reporters)
        {
            try
            {
                sections.Add(new Section(r.Title, await r.ReportAsync(Stopping), null));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One broken reporter must not hide the others.
                sections.Add(new Section(r.Title, [], "This section failed to report: " + ex.Message));
            }
        }
        _sections = sections;
    }

}
