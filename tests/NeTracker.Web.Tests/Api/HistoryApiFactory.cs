using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NeTracker.Probe;
using NeTracker.Probe.Model;
using NeTracker.Web.History;

namespace NeTracker.Web.Tests.Api;

/// <summary>The real app in memory with its own data directory and <see cref="FixedInterfacesProbe"/>.</summary>
internal sealed class HistoryApiFactory : WebApplicationFactory<Program>
{
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("nt-api-").FullName;
    public FixedInterfacesProbe Probe { get; } = new();

    public SqliteHistoryStore Store => Services.GetRequiredService<SqliteHistoryStore>();

    public async Task SeedAsync(IReadOnlyList<ConnectionRecord> records)
    {
        Store.Enqueue(records);
        await Store.FlushAsync(TestContext.Current.CancellationToken);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(RepoPaths.WebProject);
        builder.UseSetting("NeTracker:DataDirectory", DataDirectory);
        builder.ConfigureTestServices(s =>
        {
            s.RemoveAll<IConnectionProbe>();
            s.AddSingleton<IConnectionProbe>(Probe);
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
