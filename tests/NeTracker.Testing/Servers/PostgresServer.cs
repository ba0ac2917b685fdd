using Npgsql;

namespace NeTracker.Testing.Servers;

/// <summary>
/// A real PostgreSQL server of the test's own: Debian's binaries (/usr/lib/postgresql/N/bin,
/// package postgresql, installed by netracker.sh), a temporary data directory, a free loopback
/// port, trust authentication on loopback only. initdb refuses to run as root, so as root the
/// directory belongs to the postgres user and the tools run as it (runuser). Stopped and deleted
/// on dispose, whatever the test did.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;
    private readonly string? _user;

    private PostgresServer(string bin, string dir, string? user, int port)
    {
        _bin = bin;
        _dir = dir;
        _user = user;
        Port = port;
    }

    public int Port { get; }

    public string DataDirectory => Path.Combine(_dir, "data");

    /// <summary>Null when PostgreSQL's server binaries are not installed; else why a test must skip.</summary>
    public static string? Bin =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

    public const string MissingReason = "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (Debian package postgresql; ./netracker.sh test installs it)";

    /// <summary>Why the server cannot run here, or null.</summary>
    public static string? SkipReason =>
        Bin is null ? MissingReason
        : ServerProcess.IsRoot && !File.Exists("/usr/sbin/runuser") && !File.Exists("/usr/bin/runuser") ? "running as root without runuser to start PostgreSQL as the postgres user"
        : null;

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = Bin ?? throw new InvalidOperationException(MissingReason);
        var dir = Directory.CreateTempSubdirectory("nt-pg-").FullName;
        string? user = null;
        if (ServerProcess.IsRoot)
        {
            user = "postgres";
            await ServerProcess.RunAsync("chown", ["-R", "postgres:postgres", dir]);
        }
        var server = new PostgresServer(bin, dir, user, ServerProcess.FreePort());
        try
        {
            await server.RunAsync("initdb", ["-D", server.DataDirectory, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection string to <paramref name="database"/> (created if missing).</summary>
    public async Task<string> CreateDatabaseAsync(string database)
    {
        await using (var db = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await db.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", db);
            await cmd.ExecuteNonQueryAsync();
        }
        return ConnectionString(database);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Timeout=5";

    /// <summary>Starts the server (again, after <see cref="StopAsync"/>) on the same port and data.</summary>
    public async Task StartAgainAsync()
    {
        // Socket directory = the temp directory: nothing shared with a system cluster in /run/postgresql.
        await RunAsync("pg_ctl", ["-D", DataDirectory, "-l", Path.Combine(_dir, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start"]);
        await ServerProcess.WaitForPortAsync(Port, open: true, TimeSpan.FromSeconds(30));
    }

    /// <summary>A fast shutdown (clients disconnected), as an operator's restart.</summary>
    public async Task StopAsync()
    {
        await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"]);
        await ServerProcess.WaitForPortAsync(Port, open: false, TimeSpan.FromSeconds(30));
    }

    public string Log => File.Exists(Path.Combine(_dir, "server.log")) ? File.ReadAllText(Path.Combine(_dir, "server.log")) : "";

    private Task<string> RunAsync(string tool, IEnumerable<string> args) => ServerProcess.RunAsync(Path.Combine(_bin, tool), args, _user);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                await RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }
        Directory.Delete(_dir, recursive: true);
    }
}
