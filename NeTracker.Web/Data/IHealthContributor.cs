namespace NeTracker.Web.Data;

/// <summary>
/// A part of the app that contributes a section to the Health page (history store, probe, ...).
/// Register implementations as <c>IHealthContributor</c> singletons; the page renders every one.
/// </summary>
public interface IHealthContributor
{
    /// <summary>Current state; cheap (no I/O on the caller's thread) and never throws.</summary>
    HealthSection GetHealth();
}

public enum HealthLevel
{
    Ok = 0,
    Warning = 1,
    Error = 2,
}

/// <summary>One section: a title, a level, a one-line summary (the error a user must read) and details.</summary>
public sealed record HealthSection(string Title, HealthLevel Level, string Summary, IReadOnlyList<HealthItem> Items);

public sealed record HealthItem(string Name, string Value);
