using Microsoft.Extensions.Options;
using NeTracker.Probe;

namespace NeTracker.Web.Configuration;

/// <summary>
/// What the dashboard adds to <see cref="ProbeOptions"/> in the same section (NeTracker:Probe),
/// for the in-process probe it hosts.
/// </summary>
public sealed class ProbeHostOptions
{
    public const string Section = "NeTracker:Probe";

    /// <summary>
    /// Stay attached at shutdown unless told not to: the programs keep watching while the dashboard
    /// restarts, for one lease window (ProbeOptions.LeaseWindow, 60 s), and the pinned ring buffer
    /// hands the next start every connection that closed meanwhile (up to its size). With no start
    /// in the window they go dormant. False sets <see cref="ProbeOptions.DetachOnDispose"/>.
    /// </summary>
    public bool StayAttachedOnStop { get; set; } = true;
}

/// <summary>The probe's own checks (<see cref="ProbeOptions.Validate"/>), every problem at once, at start.</summary>
public sealed class ValidateProbeOptions : IValidateOptions<ProbeOptions>
{
    public ValidateOptionsResult Validate(string? name, ProbeOptions o) =>
        o.Validate() is { Count: > 0 } problems
            ? ValidateOptionsResult.Fail(problems.Select(p => $"{ProbeHostOptions.Section}: {p}"))
            : ValidateOptionsResult.Success;
}
