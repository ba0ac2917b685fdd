using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using HistoryPage = NeTracker.Web.Components.Pages.History;

namespace NeTracker.Web.Tests.History;

/// <summary>The History page over a database file that is not a database: a clear error, no export.</summary>
public sealed class HistoryPageFailureTests : BunitContext, IAsyncLifetime
{
    private TestStore _store = null!;

    public HistoryPageFailureTests()
    {
        DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton(TimeProvider.System);
    }

    public async ValueTask InitializeAsync()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-page-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "history.duckdb"), new string('#', 8192), Xunit.TestContext.Current.CancellationToken);
        _store = await TestStore.StartAsync(dir);
        Services.AddSingleton<NeTracker.Web.History.IConnectionHistory>(_store.Store);
    }

    public new async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public void Corrupt_database_shows_the_error_and_disables_export()
    {
        var cut = Render<HistoryPage>();

        cut.WaitForAssertion(() => Assert.Contains("not a valid DuckDB database", cut.Find("#history-error").TextContent));
        Assert.Contains("move it aside", cut.Find("#history-error").TextContent);
        Assert.True(cut.Find("#history-export").HasAttribute("disabled"));
        Assert.True(cut.Find("#history-export-parquet").HasAttribute("disabled"));
    }
}
