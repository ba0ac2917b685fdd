using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace NeTracker.Web.Health;

/// <summary>One <see cref="IHealthReporter"/>'s items as a card.</summary>
public partial class HealthSection
{
    [Parameter, EditorRequired] public required string Title { get; set; }

    [Parameter] public IReadOnlyList<HealthItem> Items { get; set; } = [];

    /// <summary>Set when the reporter itself failed.</summary>
    [Parameter] public string? Error { get; set; }

    private static string IconOf(HealthLevel l) => l switch
    {
        HealthLevel.Ok => Icons.Material.Filled.CheckCircle,
        HealthLevel.Warning => Icons.Material.Filled.Warning,
        HealthLevel.Error => Icons.Material.Filled.Error,
        _ => Icons.Material.Filled.Info,
    };

    private static Color ColorOf(HealthLevel l) => l switch
    {
        HealthLevel.Ok => Color.Success,
        HealthLevel.Warning => Color.Warning,
        HealthLevel.Error => Color.Error,
        _ => Color.Info,
    };
}
