using Microsoft.Extensions.Options;

namespace NeTracker.Web.Metrics;

/// <summary>Reports every problem of NeTracker:Otlp at once (<see cref="OtlpOptions.Problems"/>).</summary>
public sealed class ValidateOtlpOptions : IValidateOptions<OtlpOptions>
{
    public ValidateOptionsResult Validate(string? name, OtlpOptions o) =>
        o.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
