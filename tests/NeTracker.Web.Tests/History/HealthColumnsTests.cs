using DuckDB.NET.Data;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.Store;
using NeTracker.Web.Tests.Ingest;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.Tests.History;

/// <summary>Schema v4's health columns: a v3 file gains them (its rows kept, not measured = NULL), new rows carry every field.</summary>
public sealed class HealthColumnsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_v3_file_gains_the_health_columns_keeps_its_rows_and_stores_the_health_of_new_ones()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-").FullName;
        using (var db = new DuckDBConnection($"Data Source={Path.Combine(dir, HistoryOptions.FileName)}"))
        {
            db.Open();
            DuckDbSchema.Migrate(db, DuckDbSchema.Steps.Take(3).ToList());
            using var cmd = db.CreateCommand();
            cmd.CommandText = """
                INSERT INTO connections VALUES (1, 'h', 'eth0', 2, 0, 0, '198.18.0.1', 40000, '198.18.0.2', 80,
                    0, 10, 10, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, false, 7, 'old', NULL, NULL, 0, 0, 0)
                """;
            cmd.ExecuteNonQuery();
        }

        await using var t = await TestStore.StartAsync(dir);
        var healthy = Records.WithHealth(Records.Make(2));
        var noSample = Records.Make(3) with { RetransC = 0, RetransS = 0, ZeroWinC = 0, ZeroWinS = 0, ZeroWinNs = 0, RttSamples = 0 };
        t.Store.Enqueue([healthy, noSample]);
        await t.Store.FlushAsync(Ct);

        var rows = await t.Store.QueryAsync(ConnectionFilter.None, 10, ascending: true, ct: Ct);
        Assert.Equal(3, rows.Count);
        Assert.Equal(((int?)null, (int?)null, (long?)null, (int?)null, (DateTime?)null), (rows[0].RetransC, rows[0].ZeroWinC, rows[0].RttAvgNs, rows[0].RttSamples, rows[0].LastCUtc));
        Assert.Equal(Health(healthy), Health(rows[1]));
        Assert.Equal(Health(noSample), Health(rows[2]));
        Assert.Equal((3, 7, 40, healthy.LastCUtc), (rows[1].RetransC, rows[1].RetransS, rows[1].RttSamples, rows[1].LastCUtc));
    }

    private static string Health(ConnectionRecord r)
        => string.Join(',', r.RetransC, r.RetransS, r.ZeroWinC, r.ZeroWinS, r.ZeroWinNs, r.RttMinNs, r.RttAvgNs, r.RttMaxNs, r.RttSamples, r.LastCUtc?.Ticks, r.LastSUtc?.Ticks);
}
