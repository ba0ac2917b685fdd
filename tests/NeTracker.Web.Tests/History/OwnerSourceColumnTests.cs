using DuckDB.NET.Data;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.Store;
using NeTracker.Web.Tests.Ingest;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.Tests.History;

/// <summary>Schema v2's owner_source column: a v1 file gains it (rows kept, NULL source), new rows carry it.</summary>
public sealed class OwnerSourceColumnTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_v1_file_gains_owner_source_keeps_its_rows_and_stores_the_source_of_new_ones()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-").FullName;
        using (var db = new DuckDBConnection($"Data Source={Path.Combine(dir, HistoryOptions.FileName)}"))
        {
            db.Open();
            DuckDbSchema.Migrate(db, DuckDbSchema.Steps.Take(1).ToList());
            using var cmd = db.CreateCommand();
            cmd.CommandText = """
                INSERT INTO connections VALUES (1, 'h', 'eth0', 2, 0, 0, '198.18.0.1', 40000, '198.18.0.2', 80,
                    0, 10, 10, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, false, 7, 'old', NULL, NULL)
                """;
            cmd.ExecuteNonQuery();
        }

        await using var t = await TestStore.StartAsync(dir);
        var owned = Records.Make(2) with { Pid = 9, Comm = "sshd", OwnerSource = OwnerSource.Proc };
        t.Store.Enqueue([owned, Records.Make(3)]);
        await t.Store.FlushAsync(Ct);

        var rows = await t.Store.QueryAsync(ConnectionFilter.None, 10, ascending: true, ct: Ct);
        Assert.Equal(new (int?, OwnerSource?)[] { (7, null), (9, OwnerSource.Proc), (null, null) }, rows.Select(r => (r.Pid, r.OwnerSource)));
    }
}
