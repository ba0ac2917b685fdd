using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NeTracker.Web.Configuration;
using NeTracker.Web.History;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.Tests.History;

/// <summary>A real <see cref="DuckDbHistoryStore"/> in a fresh temporary directory, removed afterwards.</summary>
internal sealed class TestStore : IAsyncDisposable
{
    private TestStore(string directory) => Directory = directory;

    public string Directory { get; }
    public string DatabasePath => Path.Combine(Directory, HistoryOptions.FileName);
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(SampleRecords.Epoch.AddHours(1)));
    public HistoryOptions Options { get; } = new() { RetryDelay = TimeSpan.FromMilliseconds(50), MaxRetryDelay = TimeSpan.FromMilliseconds(200), MaxAge = TimeSpan.Zero, MaxRows = 0 };
    public DuckDbHistoryStore Store { get; private set; } = null!;

    /// <summary>The supervision the store reports to (what it set aside, its restarts).</summary>
    public NeTracker.Web.Resilience.BackgroundLoops Loops { get; } = new(TimeProvider.System, NullLogger<NeTracker.Web.Resilience.BackgroundLoops>.Instance);

    /// <summary>A started store in <paramref name="directory"/> (a new temporary one by default).</summary>
    public static async Task<TestStore> StartAsync(string? directory = null, Action<HistoryOptions>? configure = null, bool realTime = true)
    {
        var t = new TestStore(directory ?? System.IO.Directory.CreateTempSubdirectory("nt-history-").FullName);
        configure?.Invoke(t.Options);
        await t.RestartAsync(realTime);
        return t;
    }

    /// <summary>Stops the store (as at app shutdown) and opens a new one on the same directory.</summary>
    public async Task RestartAsync(bool realTime = true)
    {
        if (Store is not null)
            await Store.DisposeAsync();
        Store = new DuckDbHistoryStore(
            Microsoft.Extensions.Options.Options.Create(new NeTrackerOptions { DataDirectory = Directory }),
            Microsoft.Extensions.Options.Options.Create(Options), NullLogger<DuckDbHistoryStore>.Instance,
            realTime ? TimeProvider.System : Time, Loops);
        await Store.StartAsync(CancellationToken.None);
    }

    /// <summary>The Health page section, item by name.</summary>
    public async Task<Dictionary<string, NeTracker.Web.Health.HealthItem>> HealthAsync() =>
        (await new HistoryHealthReporter(Store).ReportAsync(CancellationToken.None)).ToDictionary(i => i.Name);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A test that mounted over the directory unmounts it itself; leftovers in /tmp are harmless.
        }
    }
}
