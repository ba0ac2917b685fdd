using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.History;

public sealed class HistoryStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stored_records_read_back_equal_including_ipv6_nulls_and_every_close_reason()
    {
        await using var t = await TestStore.StartAsync();
        var records = SampleRecords.Make(500);
        t.Store.Enqueue(records[..200]);
        t.Store.Enqueue(records[200..]);
        await t.Store.FlushAsync(Ct);

        var back = await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct);
        Assert.Equal(records, back);
        Assert.Equal(Enum.GetValues<CloseReason>().Length, back.Select(r => r.CloseReason).Distinct().Count());
        Assert.Contains(back, r => r.Family == IpFamily.Ipv6);
        Assert.Equal(500, t.Store.Stats.Rows);
        Assert.True(t.Store.Stats.Healthy);
    }

    [Fact]
    public async Task Restart_keeps_the_data_and_last_id_continues()
    {
        await using var t = await TestStore.StartAsync();
        var records = SampleRecords.Make(300, firstId: 41);
        t.Store.Enqueue(records);
        await t.RestartAsync();

        Assert.Equal(340, t.Store.LastId);
        Assert.Equal(300, await t.Store.CountAsync(ConnectionFilter.None, Ct));
        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 1000, ascending: true, ct: Ct));
    }

    [Fact]
    public async Task Sql_filter_selects_exactly_what_ConnectionFilter_Matches_selects()
    {
        await using var t = await TestStore.StartAsync();
        var records = SampleRecords.Make(2000, seed: 7);
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);

        var rnd = new Random(3);
        for (var i = 0; i < 60; i++)
        {
            var pick = records[rnd.Next(records.Count)];
            var filter = new ConnectionFilter
            {
                Host = rnd.Next(4) == 0 ? pick.Host : null,
                Interface = rnd.Next(3) == 0 ? pick.Interface : null,
                Address = rnd.Next(3) == 0 ? (rnd.Next(2) == 0 ? pick.ClientAddr : pick.ServerAddr) : null,
                Port = rnd.Next(3) == 0 ? (rnd.Next(2) == 0 ? pick.ClientPort : pick.ServerPort) : null,
                Direction = rnd.Next(3) == 0 ? pick.Direction : null,
                CloseReason = rnd.Next(3) == 0 ? pick.CloseReason : null,
                MinDurationNs = rnd.Next(3) == 0 ? pick.DurationNs : null,
                MaxDurationNs = rnd.Next(3) == 0 ? pick.DurationNs + 1 : null,
                Program = rnd.Next(3) switch { 0 => pick.Comm?[..2], 1 => pick.Unit?[^4..], _ => null },
                FromUtc = rnd.Next(2) == 0 ? pick.EndUtc : null,
                ToUtc = rnd.Next(2) == 0 ? pick.EndUtc.AddSeconds(rnd.Next(1, 10)) : null,
                Had = rnd.Next(3) switch { 0 => ConnectionTrouble.Retransmits, 1 => ConnectionTrouble.ZeroWindow, _ => null },
                // Exact, prefix, suffix, infix, and '_' that LIKE would read as any character.
                ServerName = rnd.Next(3) != 0 || pick.ServerName is not { } n ? null
                    : rnd.Next(5) switch { 0 => n, 1 => n[..3] + "*", 2 => "*" + n[^5..], 3 => "*" + n[2..5] + "*", _ => "_grpc_.*" },
            };
            var expected = records.Where(filter.Matches).Select(r => r.Id).ToList();
            var actual = (await t.Store.QueryAsync(filter, 5000, ascending: true, ct: Ct)).Select(r => r.Id).ToList();
            Assert.Equal(expected, actual);
            Assert.Equal(expected.Count, await t.Store.CountAsync(filter, Ct));
        }
    }

    [Fact]
    public async Task Keyset_pages_cover_every_row_once_in_both_orders()
    {
        await using var t = await TestStore.StartAsync();
        t.Store.Enqueue(SampleRecords.Make(1000));
        await t.Store.FlushAsync(Ct);
        var filter = new ConnectionFilter { Port = 443 };
        var expected = (await t.Store.QueryAsync(filter, 1000, ascending: true, ct: Ct)).Select(r => r.Id).ToList();

        foreach (var ascending in new[] { true, false })
        {
            var seen = new List<long>();
            long? cursor = null;
            while (true)
            {
                var page = await t.Store.QueryAsync(filter, 37, cursor, ascending, ct: Ct);
                seen.AddRange(page.Select(r => r.Id));
                if (page.Count < 37)
                    break;
                cursor = page[^1].Id;
            }
            Assert.Equal(ascending ? expected : Enumerable.Reverse(expected), seen);
        }
    }

    [Fact]
    public async Task Aggregates_count_per_bucket_with_the_live_histogram_percentiles()
    {
        await using var t = await TestStore.StartAsync();
        var records = SampleRecords.Make(3000, seed: 11);
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);
        var filter = new ConnectionFilter { FromUtc = SampleRecords.Epoch, ToUtc = SampleRecords.Epoch.AddSeconds(40), Direction = Direction.Inbound };

        var buckets = await t.Store.AggregateAsync(filter, 16, Ct);

        Assert.Equal(16, buckets.Count);
        var width = TimeSpan.FromSeconds(2.5);
        for (var i = 0; i < buckets.Count; i++)
        {
            var start = SampleRecords.Epoch + width * i;
            Assert.Equal(start, buckets[i].StartUtc);
            // The one percentile implementation: the Live page's histogram over the same durations.
            var d = new DurationHistogram();
            foreach (var r in records.Where(filter.Matches).Where(r => r.EndUtc >= start && r.EndUtc < start + width))
                d.Add(r.DurationNs);
            Assert.Equal(d.Total, buckets[i].Count);
            Assert.Equal(d.Percentile(0.50), buckets[i].P50Ns);
            Assert.Equal(d.Percentile(0.95), buckets[i].P95Ns);
            Assert.Equal(d.Percentile(0.99), buckets[i].P99Ns);
        }
        Assert.Contains(buckets, b => b.Count == 0);
    }

    [Fact]
    public async Task Percentiles_of_a_large_bucket_are_within_six_percent_of_the_nearest_rank()
    {
        await using var t = await TestStore.StartAsync();
        // 40 000 connections in one minute, durations 1..40 000 µs in random order.
        var durations = Enumerable.Range(1, 40_000).Select(i => i * 1000L).ToArray();
        new Random(9).Shuffle(durations);
        var template = SampleRecords.Make(1)[0];
        t.Store.Enqueue([.. durations.Select((d, i) => template with { Id = i + 1, DurationNs = d, EndUtc = SampleRecords.Epoch.AddTicks(i * 1000) })]);
        await t.Store.FlushAsync(Ct);

        var b = Assert.Single(await t.Store.AggregateAsync(new ConnectionFilter { FromUtc = SampleRecords.Epoch, ToUtc = SampleRecords.Epoch.AddMinutes(1) }, 1, Ct));

        Assert.Equal(40_000, b.Count);
        // Nearest rank over 1..40 000 µs: the 20 000th, 38 000th and 39 600th smallest, to within a
        // histogram bucket (20 per decade: the middle is at most ±6 % from any value in it).
        Assert.InRange(b.P50Ns!.Value, 20_000_000 * 0.94, 20_000_000 * 1.06);
        Assert.InRange(b.P95Ns!.Value, 38_000_000 * 0.94, 38_000_000 * 1.06);
        Assert.InRange(b.P99Ns!.Value, 39_600_000 * 0.94, 39_600_000 * 1.06);
    }

    [Fact]
    public async Task Writer_gathers_batches_for_the_commit_interval_and_commits_at_once_when_full_or_flushed()
    {
        await using var t = await TestStore.StartAsync(configure: o => (o.CommitInterval, o.MaxBatchRecords) = (TimeSpan.FromSeconds(1), 1000), realTime: false);
        var records = SampleRecords.Make(1500);
        t.Store.Enqueue(records[..100]);
        t.Store.Enqueue(records[100..300]);
        // Time itself is under test: on the store's (fake) clock no time passes, so nothing is committed.
        await Task.Delay(300, Ct);
        Assert.Equal(0, t.Store.Stats.Written);
        await SchemaAndRetentionTests.WaitUntilAsync(() =>
        {
            t.Time.Advance(TimeSpan.FromMilliseconds(100));
            return t.Store.Stats.Written == 300;
        });

        // As many records as one commit holds do not wait for the clock, nor does a flush.
        t.Store.Enqueue(records[300..1300]);
        await SchemaAndRetentionTests.WaitUntilAsync(() => t.Store.Stats.Written == 1300);
        t.Store.Enqueue(records[1300..]);
        await t.Store.FlushAsync(Ct);

        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 2000, ascending: true, ct: Ct));
    }

    [Fact]
    public async Task Writer_commits_at_most_a_full_batch_at_a_time_and_writes_everything_waiting_without_the_clock()
    {
        await using var t = await TestStore.StartAsync(configure: o => (o.CommitInterval, o.MaxBatchRecords) = (TimeSpan.FromSeconds(1), 1000), realTime: false);
        var records = SampleRecords.Make(3100);

        // Two and a half commits' worth, in ingest-sized batches: no clock needed for any of it,
        // the half included (it was waiting when a full batch asked for a commit).
        for (var i = 0; i < 2500; i += 500)
            t.Store.Enqueue(records[i..(i + 500)]);
        await SchemaAndRetentionTests.WaitUntilAsync(() => t.Store.Stats.Written == 2500);

        // Less than a commit waits for the clock again ...
        t.Store.Enqueue(records[2500..2800]);
        await Task.Delay(300, Ct);
        Assert.Equal(2500, t.Store.Stats.Written);
        // ... unless flushed.
        t.Store.Enqueue(records[2800..]);
        await t.Store.FlushAsync(Ct);
        Assert.Equal(3100, t.Store.Stats.Written);
        Assert.Equal(0, t.Store.Stats.Queued);

        Assert.Equal(records, await t.Store.QueryAsync(ConnectionFilter.None, 4000, ascending: true, ct: Ct));
    }

    [Fact]
    public async Task Interfaces_lists_each_stored_interface_once_in_order()
    {
        await using var t = await TestStore.StartAsync();
        t.Store.Enqueue(SampleRecords.Make(900));
        await t.Store.FlushAsync(Ct);

        Assert.Equal(["eth0", "lo", "veth-a"], await t.Store.InterfacesAsync(Ct));
    }

    [Fact]
    public async Task Streaming_reader_returns_every_match_in_id_order()
    {
        await using var t = await TestStore.StartAsync();
        var records = SampleRecords.Make(1500, seed: 5);
        t.Store.Enqueue(records);
        await t.Store.FlushAsync(Ct);
        var filter = new ConnectionFilter { CloseReason = CloseReason.Rst };

        var streamed = new List<ConnectionRecord>();
        await foreach (var r in t.Store.StreamAsync(filter, Ct))
            streamed.Add(r);

        Assert.Equal(records.Where(filter.Matches), streamed);
    }
}
