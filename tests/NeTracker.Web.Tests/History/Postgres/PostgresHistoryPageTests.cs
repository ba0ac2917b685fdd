using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;
using NeTracker.Probe.Model;
using HistoryPage = NeTracker.Web.Components.Pages.History;
using TestContext = Xunit.TestContext;

namespace NeTracker.Web.Tests.History.Postgres;

/// <summary>The History page unchanged on top of the PostgreSQL history (a real server), 2 000 stored records.</summary>
[Trait("Category", "Fleet")]
public sealed class PostgresHistoryPageTests(PostgresFixture pg) : BunitContext, IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private readonly List<ConnectionRecord> _records = SampleRecords.Make(2000, seed: 31);
    private PgStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        DefaultWaitTimeout = TimeSpan.FromSeconds(15);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(SampleRecords.Epoch.AddMinutes(10))));
        _store = await pg.NewStoreAsync();
        _store.Store.Enqueue(_records);
        await _store.Store.FlushAsync(TestContext.Current.CancellationToken);
        Services.AddSingleton<NeTracker.Web.History.IConnectionHistory>(_store.Store);
    }

    public new async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public void Last_hour_shows_count_charts_heat_map_and_rows_from_postgres()
    {
        var cut = Render<HistoryPage>();

        cut.WaitForAssertion(() => Assert.StartsWith("2,000 connections ended between 2026-11-26T01:10:01", cut.Find("#history-count").TextContent.Trim()));
        // The count renders first; the charts once the breakdown's queries (heat map, top and health lists) are in.
        cut.WaitForAssertion(() => Assert.Equal("2000", cut.Find("[data-chart=history-count]").GetAttribute("data-total")));
        cut.WaitForAssertion(() => Assert.Equal("2000", cut.Find("#history-heatmap").GetAttribute("data-total")));
        // Newest first: the sequence gave the rows ingest's ids back (a fresh database).
        cut.WaitForAssertion(() => Assert.Equal("2000", cut.Find("#history-grid td[data-label=id]").TextContent));
    }
}
