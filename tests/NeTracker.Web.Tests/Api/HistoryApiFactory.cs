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
    private readonly Lazy<string> _temporary = new(() => Directory.CreateTempSubdirectory("nt-api-").FullName);

    /// <summary>Serve an existing data directory (left in place) instead of a new temporary one.</summary>
    public string? DataDirectoryOverride { get; init; }

    public string DataDirectory => DataDirectoryOverride ?? _temporary.Value;
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
        // The sample records are dated 2026-11-26: age-based retention must not remove them on a later day.
        builder.UseSetting("NeTracker:History:MaxAge", "00:00:00");
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
        if (_temporary.IsValueCreated)
            Directory.Delete(_temporary.Value, recursive: true);
    }
}
