using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NeTracker.Testing.Servers;
using NeTracker.Web.Configuration;
using NeTracker.Web.History;
using NeTracker.Web.History.Postgres;

namespace NeTracker.Web.Tests.History.Postgres;

/// <summary>One real PostgreSQL server for a test class; each test gets its own database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private int _databases;

    internal PostgresServer? Server { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (PostgresServer.SkipReason is null)
            Server = await PostgresServer.StartAsync();
    }

    /// <summary>Skips the test (with the reason) when the server cannot run here; CI installs it, so there it runs.</summary>
    internal PostgresServer Require()
    {
        Assert.SkipWhen(Server is null, PostgresServer.SkipReason ?? "");
        return Server!;
    }

    internal async Task<PgStore> NewStoreAsync(Action<HistoryOptions>? configure = null, TimeProvider? time = null)
    {
        var server = Require();
        var cs = await server.CreateDatabaseAsync($"nt_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}");
        var options = new HistoryOptions
        {
            Provider = "postgres",
            RetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
            MaxAge = TimeSpan.Zero,
            MaxRows = 0,
            Postgres = new PostgresOptions { ConnectionString = cs, AckTimeout = TimeSpan.FromSeconds(2) },
        };
        configure?.Invoke(options);
        return await PgStore.StartAsync(cs, options, time ?? TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
            await Server.DisposeAsync();
    }
}

/// <summary>A started <see cref="PostgresHistoryStore"/> on its own database (and data directory for exports).</summary>
internal sealed class PgStore : IAsyncDisposable
{
    private PgStore(string cs, HistoryOptions options, PostgresHistoryStore store, string dir)
    {
        ConnectionString = cs;
        Options = options;
        Store = store;
        Directory = dir;
    }

    public string ConnectionString { get; }
    public HistoryOptions Options { get; }
    public PostgresHistoryStore Store { get; }
    public string Directory { get; }

    public static async Task<PgStore> StartAsync(string cs, HistoryOptions options, TimeProvider time)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("nt-pg-data-").FullName;
        var store = new PostgresHistoryStore(
            Microsoft.Extensions.Options.Options.Create(new NeTrackerOptions { DataDirectory = dir }),
            Microsoft.Extensions.Options.Options.Create(options), NullLogger<PostgresHistoryStore>.Instance, time);
        await store.StartAsync(CancellationToken.None);
        return new PgStore(cs, options, store, dir);
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var db = new Npgsql.NpgsqlConnection(ConnectionString);
        await db.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(sql, db);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
