using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NeTracker.Probe;
using NeTracker.Web.Configuration;

namespace NeTracker.Web.Tests.Configuration;

/// <summary>The probe's settings are bound and validated like every other section's.</summary>
public sealed class OptionsRegistrationTests
{
    private static ServiceProvider Live(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddNeTrackerLive();
        return builder.Services.BuildServiceProvider();
    }

    [Fact]
    public void Probe_settings_are_validated_like_every_section_every_problem_at_once()
    {
        using var sp = Live(new() { ["NeTracker:Probe:RingBufferBytes"] = "3", ["NeTracker:Probe:SweepInterval"] = "00:00:00.001" });
        var e = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<ProbeOptions>>().Value);
        Assert.Contains(e.Failures, f => f.Contains("NeTracker:Probe: RingBufferBytes", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.Contains("NeTracker:Probe: SweepInterval", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public void StayAttachedOnStop_is_bound(string? value, bool stays)
    {
        using var sp = Live(value is null ? [] : new() { ["NeTracker:Probe:StayAttachedOnStop"] = value });
        Assert.Equal(stays, sp.GetRequiredService<IOptions<ProbeHostOptions>>().Value.StayAttachedOnStop);
    }

    [Fact]
    public void A_dashboard_without_its_own_probe_binds_no_probe_settings()
    {
        using var sp = Live(new() { ["NeTracker:Live:LocalProbe"] = "false", ["NeTracker:Probe:RingBufferBytes"] = "3" });
        Assert.Empty(sp.GetServices<IValidateOptions<ProbeOptions>>());
    }
}
