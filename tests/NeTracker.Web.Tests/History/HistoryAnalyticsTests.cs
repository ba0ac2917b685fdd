using NeTracker.Probe.Model;
using NeTracker.Web.Store;
using NeTracker.Web.Components.Controls;
using NeTracker.Web.History;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.Tests.History;

/// <summary>What the database computes for the charts, checked against the same computation in C# over known data.</summary>
public sealed class HistoryAnalyticsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(0, 0)]
    [InlineData(999, 0)]
    [InlineData(1_000, 0)]
    [InlineData(1_999, 0)]
    [InlineData(2_000, 1)]
    [InlineData(4_999, 1)]
    [InlineData(5_000, 2)]
    [InlineData(9_999, 2)]
    [InlineData(10_000, 3)]
    [InlineData(999_999_999, 17)]
    [InlineData(1_000_000_000, 18)]
    [InlineData(500_000_000_000, 26)]
    [InlineData(86_400_000_000_000, 26)]
    public void Duration_bins_are_1_2_5_from_one_microsecond(long ns, int bin)
    {
        Assert.Equal(bin, DurationBins.Of(ns));
    }

    [Fact]
    public async Task Stored_duration_bucket_and_bin_agree_with_the_sql_that_migrates_older_rows()
    {
        await using var t = await TestStore.StartAsync();
        long[] durations = [.. Enumerable.Range(0, DurationBins.Count).SelectMany(b => new[] { DurationBins.LowerBoundNs(b) - 1, DurationBins.LowerBoundNs(b) }),
            .. Enumerable.Range(0, DurationHistogram.BucketCount).Select(i => (long)Math.Ceiling(DurationHistogram.LowerBound(i))), 0, 1, 2, long.MaxValue / 2];
        var template = SampleRecords.Make(1)[0];
        t.Store.Enqueue([.. durations.Select((d, i) => template with { Id = i + 1, DurationNs = d })]);
        await t.Store.FlushAsync(Ct);
        await t.Store.StopAsync(Ct);

        using var db = new DuckDB.NET.Data.DuckDBConnection($"Data Source={t.DatabasePath}");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT duration_ns, duration_bucket, duration_bin, {DuckDbSchema.DurationBucketSql()}, {DurationBins.Sql()} FROM connections ORDER BY id";
        using var x = cmd.ExecuteReader();
        var rows = 0;
        while (x.Read())
        {
            var ns = x.GetInt64(0);
            Assert.Equal((DurationHistogram.BucketOf(ns), DurationBins.Of(ns)), ((int)x.GetInt16(1), (int)x.GetFieldValue<sbyte>(2)));
            Assert.Equal((long)DurationHistogram.BucketOf(ns), x.GetInt64(3));
            Assert.Equal((long)DurationBins.Of(ns), Convert.ToInt64(x.GetValue(4), System.Globalization.CultureInfo.InvariantCulture));
            rows++;
        }
        Assert.Equal(durations.Length, rows);
    }

    [Fact]
    public async Task Top_endpoints_are_grouped_in_the_database_and_rank_as_the_live_tally_does()
    {
        await using var t = await TestStore.StartAsync();
        var records = SampleRecords.Make(5000, seed: 15);
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);
        var filter = new ConnectionFilter { FromUtc = SampleRecords.Epoch, ToUtc = SampleRecords.Epoch.AddSeconds(45), Direction = Direction.Outbound };
        var live = new TalkerTally();
        foreach (var r in records.Where(filter.Matches))
            live.Add(r);

        var services = await t.Store.TopEndpointsAsync(filter, EndpointSide.Server, 100, Ct);
        var clients = await t.Store.TopEndpointsAsync(filter, EndpointSide.Client, 100, Ct);
        var history = TalkerTally.FromHistory(live.Records, services, clients);

        foreach (var rank in Enum.GetValues<TalkerRank>())
        {
            Assert.Equal(live.Services(rank, 50), history.Services(rank, 50));
            Assert.Equal(live.Clients(rank, 50), history.Clients(rank, 50));
        }
        Assert.Equal(live.Records, services.Sum(e => e.Connections));
        Assert.All(clients, c => Assert.Null(c.Port));
        // One per ranking: the leader of each is there, and nothing else.
        var leaders = await t.Store.TopEndpointsAsync(filter, EndpointSide.Server, 1, Ct);
        Assert.InRange(leaders.Count, 1, 3);
        foreach (var rank in Enum.GetValues<TalkerRank>())
            Assert.Equal(live.Services(rank, 1), TalkerTally.FromHistory(0, leaders, []).Services(rank, 1));
    }

    [Fact]
    public async Task Heat_map_counts_each_connection_in_its_time_bucket_and_duration_bin()
    {
        await using var t = await TestStore.StartAsync();
        // Every bin edge and its neighbours, spread over 40 s, plus random durations.
        long[] edges = [.. Enumerable.Range(0, DurationBins.Count).SelectMany(b => new[] { DurationBins.LowerBoundNs(b) - 1, DurationBins.LowerBoundNs(b) }), 0, 1, long.MaxValue / 2];
        var records = SampleRecords.Make(4000, seed: 12);
        records = [.. records.Select((r, i) => i < edges.Length ? r with { DurationNs = edges[i], Direction = Direction.Inbound } : r)];
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);
        var filter = new ConnectionFilter { FromUtc = SampleRecords.Epoch, ToUtc = SampleRecords.Epoch.AddSeconds(40), Direction = Direction.Inbound };

        var map = await t.Store.HeatMapAsync(filter, 8, Ct);

        var expected = records.Where(filter.Matches)
            .GroupBy(r => ((int)((r.EndUtc - SampleRecords.Epoch) / TimeSpan.FromSeconds(5)), DurationBins.Of(r.DurationNs)))
            .Select(g => new HeatMapCell(g.Key.Item1, g.Key.Item2, g.Count()))
            .OrderBy(c => c.TimeBucket).ThenBy(c => c.DurationBin);
        Assert.Equal(expected, map.Cells);
        Assert.Equal((SampleRecords.Epoch, TimeSpan.FromSeconds(5), 8), (map.FromUtc, map.BucketWidth, map.Buckets));
        Assert.Contains(map.Cells, c => c.DurationBin == 0);
        Assert.Contains(map.Cells, c => c.DurationBin == DurationBins.Count - 1);
    }

    [Fact]
    public async Task Histogram_holds_every_matching_duration_in_the_live_histogram_buckets()
    {
        await using var t = await TestStore.StartAsync();
        var records = SampleRecords.Make(3000, seed: 13);
        records = [.. records.Select((r, i) => i % 100 == 0 ? r with { DurationNs = i } : r)];
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);
        var filter = new ConnectionFilter { Direction = Direction.Outbound };

        var histogram = await t.Store.HistogramAsync(filter, Ct);

        var expected = new DurationHistogram();
        foreach (var r in records.Where(filter.Matches))
            expected.Add(r.DurationNs);
        Assert.Equal(expected.Total, histogram.Total);
        Assert.Equal(expected.Counts.ToArray(), histogram.Counts.ToArray());
        Assert.Equal(expected.Percentile(0.95), histogram.Percentile(0.95));
    }

    [Fact]
    public async Task Parquet_export_holds_exactly_the_filtered_rows_with_the_csv_columns()
    {
        await using var t = await TestStore.StartAsync();
        var records = SampleRecords.Make(3000, seed: 14);
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);
        var filter = new ConnectionFilter { Interface = "eth0", FromUtc = SampleRecords.Epoch.AddSeconds(3) };

        var copy = Path.Combine(t.Directory, "copy.parquet");
        await using (var export = await t.Store.ExportParquetAsync(filter, Ct))
        await using (var file = File.Create(copy))
            await export.CopyToAsync(file, Ct);

        Assert.Equal(["copy.parquet"], Directory.GetFiles(t.Directory, "*.parquet").Select(Path.GetFileName));
        var (columns, rows) = ParquetFile.Read(copy);
        Assert.Equal(SchemaNames.Columns, columns);
        Assert.Equal(records.Where(filter.Matches), rows);
    }
}
