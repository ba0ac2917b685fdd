using Microsoft.Extensions.Options;

namespace NeTracker.Web.Configuration;

/// <summary>Reports every problem of the "NeTracker" section at once.</summary>
public sealed class ValidateNeTrackerOptions : IValidateOptions<NeTrackerOptions>
{
    public ValidateOptionsResult Validate(string? name, NeTrackerOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.DataDirectory))
            errors.Add($"{NeTrackerOptions.Section}:DataDirectory must name a directory.");
        // The probe's rule: the name becomes pin directories, a tracefs instance and a tc priority.
        errors.AddRange(new Probe.ProbeOptions { InstanceName = o.InstanceName }.Validate()
            .Where(p => p.StartsWith("InstanceName", StringComparison.Ordinal))
            .Select(p => $"{NeTrackerOptions.Section}:{p}"));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
