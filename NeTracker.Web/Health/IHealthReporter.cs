namespace NeTracker.Web.Health;

public enum HealthLevel
{
    Ok,
    Info,
    Warning,
    Error,
}

/// <summary>One line of a Health page section: a name, its value, how worrying it is.</summary>
public sealed record HealthItem(string Name, string Value, HealthLevel Level = HealthLevel.Info, string? Detail = null);

/// <summary>
/// A section of the Health page. Register implementations with
/// <c>services.AddSingleton&lt;IHealthReporter, X&gt;()</c>; the page shows every registered
/// one in registration order (the probe, the live store, then e.g. the history database),
/// so a part of the app adds its status without editing the page.
/// </summary>
public interface IHealthReporter
{
    /// <summary>Section heading.</summary>
    string Title { get; }

    /// <summary>Current values; called when the page loads and every few seconds after.</summary>
    ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct);
}
