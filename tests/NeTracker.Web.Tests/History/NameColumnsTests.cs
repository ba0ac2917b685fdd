using DuckDB.NET.Data;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.Store;
using NeTracker.Web.Tests.Ingest;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.Tests.History;

/// <summary>Schema v5's server_name and name_source: a v4 file gains them (rows kept, no name), new rows carry them.</summary>
public sealed class NameColumnsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_v4_file_gains_the_name_columns_keeps_its_rows_and_stores_the_names_of_new_ones()
    {
        var dir = Directory.CreateTempSubdirectory("nt-history-").FullName;
        try
        {
            using (var db = new DuckDBConnection($"Data Source={Path.Combine(dir, HistoryOptions.FileName)}"))
            {
                db.Open();
                DuckDbSchema.Migrate(db, DuckDbSchema.Steps.Take(4).ToList());
                using var cmd = db.CreateCommand();
                cmd.CommandText = """
                    INSERT INTO connections (id, host, interface, ifindex, direction, family, client_addr, client_port, server_addr, server_port,
                        start_ticks, end_ticks, duration_ns, close_reason, closed_by, bytes_in, bytes_out, packets_in, packets_out,
                        syn_retransmits, partial, duration_bucket, duration_bin)
                    VALUES (1, 'h', 'eth0', 2, 0, 0, '198.18.0.1', 40000, '198.18.0.2', 80, 0, 10, 10, 0, 0, 0, 0, 0, 0, 0, false, 0, 0)
                    """;
                cmd.ExecuteNonQuery();
            }

            await using var t = await TestStore.StartAsync(dir);
            var named = Records.Make(2) with { ServerName = "api.payments.internal", NameSource = NameSource.Sni };
            t.Store.Enqueue([named, Records.Make(3)]);
            await t.Store.FlushAsync(Ct);

            Assert.Equal(DuckDbSchema.CurrentVersion, t.Store.Stats.SchemaVersion);
            var rows = await t.Store.QueryAsync(ConnectionFilter.None, 10, ascending: true, ct: Ct);
            Assert.Equal(new (string?, NameSource?)[] { (null, null), ("api.payments.internal", NameSource.Sni), (null, null) },
                rows.Select(r => (r.ServerName, r.NameSource)));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
