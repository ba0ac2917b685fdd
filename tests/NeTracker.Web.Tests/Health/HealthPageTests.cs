using Bunit;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Web.Health;
using NeTracker.Web.Tests.Components;

namespace NeTracker.Web.Tests.Health;

public sealed class HealthPageTests : DashboardContext
{
    /// <summary>A part of the app that reports without editing the page (as history does).</summary>
    private sealed class ExtraReporter(bool fail) : IHealthReporter
    {
        public string Title => fail ? "Broken part" : "Extra part";

        public ValueTask<IReadOnlyList<HealthItem>> ReportAsync(CancellationToken ct) => fail
            ? throw new IOException("disk on fire")
            : ValueTask.FromResult<IReadOnlyList<HealthItem>>([new("Database", "ok", HealthLevel.Ok, "42 rows")]);
    }

    [Fact]
    public void Shows_every_registered_section_and_survives_a_failing_one()
    {
        Services.AddSingleton<IHealthReporter>(new ExtraReporter(fail: true));
        Services.AddSingleton<IHealthReporter>(new ExtraReporter(fail: false));
        AddRecords(25);
        Clock.Advance(TimeSpan.FromMinutes(3));

        var cut = Render<HealthPage>();

        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll(".nt-health-section").Count));
        Assert.Equal(["Probe", "Kernel", "Dashboard", "Broken part", "Extra part"],
            cut.FindAll(".nt-health-section").Select(e => e.GetAttribute("data-section")));
        Assert.Contains("disabled", cut.Find("[data-section=Probe] [data-item=State]").TextContent);
        Assert.Contains("25 of 50,000 records", cut.Find("[data-section=Dashboard] [data-item='Recent window']").TextContent);
        Assert.Contains("3 min", cut.Find("[data-section=Dashboard] [data-item=Uptime]").TextContent);
        Assert.Contains("disk on fire", cut.Find("[data-section='Broken part']").TextContent);
        Assert.Contains("42 rows", cut.Find("[data-section='Extra part'] [data-item=Database]").TextContent);
        Assert.Contains(Environment.OSVersion.Version.Major.ToString(System.Globalization.CultureInfo.InvariantCulture),
            cut.Find("[data-section=Kernel] [data-item='Kernel release']").TextContent);
    }
}
