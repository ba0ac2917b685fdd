using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NeTracker.Probe;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.Tests.Api;

/// <summary>
/// The real app in memory with its own data directory and <see cref="FixedInterfacesProbe"/>;
/// clients authenticate with the test API key (<see cref="NeTrackerAppFactory.CreateAuthenticatedClient"/>).
/// </summary>
internal sealed class HistoryApiFactory : NeTrackerAppFactory
{
    public FixedInterfacesProbe Probe { get; } = new();

    public DuckDbHistoryStore Store => Services.GetRequiredService<DuckDbHistoryStore>();

    public async Task SeedAsync(IReadOnlyList<ConnectionRecord> records)
    {
        Store.Enqueue(records);
        await Store.FlushAsync(TestContext.Current.CancellationToken);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseContentRoot(RepoPaths.WebProject);
        // The sample records are dated 2026-11-26: age-based retention must not remove them on a later day.
        builder.UseSetting("NeTracker:History:MaxAge", "00:00:00");
        // The fake probe is the in-process one: ProbeHostedService starts it, and the REST API
        // reaches it there, as the pages do.
        builder.UseSetting("NeTracker:Live:LocalProbe", "true");
        builder.ConfigureTestServices(s =>
        {
            s.RemoveAll<IConnectionProbe>();
            s.AddSingleton<IConnectionProbe>(Probe);
        });
    }
}
