using System.Net;
using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Store;

public sealed class ConnectionStoreTests
{
    [Fact]
    public void Recent_window_keeps_the_newest_records_newest_first()
    {
        using var store = Records.Store(Records.Clock(), capacity: 100);
        store.Append([.. Enumerable.Range(1, 250).Select(i => Records.Make(i))]);

        var all = store.Query(ConnectionFilter.None);
        Assert.Equal(100, all.Count);
        Assert.Equal(250, all[0].Id);
        Assert.Equal(151, all[^1].Id);
        Assert.Equal(250, store.TotalAppended);
        Assert.Equal(250, store.LastId);
        Assert.Equal(240, store.Find(240)?.Id);
        Assert.Null(store.Find(150));
    }

    [Fact]
    public void Query_applies_the_shared_filter_and_limit()
    {
        using var store = Records.Store(Records.Clock());
        store.Append(
        [
            Records.Make(1, iface: "a", durationNs: 10),
            Records.Make(2, iface: "b", durationNs: 5_000, reason: CloseReason.Rst),
            Records.Make(3, iface: "a", durationNs: 7_000, serverPort: 443, direction: Direction.Outbound),
            Records.Make(4, iface: "a", durationNs: 9_000, client: "198.18.0.9"),
        ]);

        Assert.Equal([4L, 3, 1], store.Query(new ConnectionFilter { Interface = "a" }).Select(r => r.Id));
        Assert.Equal([3L], store.Query(new ConnectionFilter { Port = 443 }).Select(r => r.Id));
        Assert.Equal([2L], store.Query(new ConnectionFilter { CloseReason = CloseReason.Rst }).Select(r => r.Id));
        Assert.Equal([4L], store.Query(new ConnectionFilter { Address = IPAddress.Parse("198.18.0.9") }).Select(r => r.Id));
        Assert.Equal([4L, 3], store.Query(new ConnectionFilter { MinDurationNs = 6_000, Interface = "a" }).Select(r => r.Id));
        Assert.Equal([4L, 3], store.Query(ConnectionFilter.None with { Interface = "a" }, max: 2).Select(r => r.Id));
        Assert.Equal(["a", "b"], store.Interfaces);
    }

    [Fact]
    public void Top_programs_count_known_owners_and_take_the_p95_per_program()
    {
        var clock = Records.Clock();
        using var store = Records.Store(clock);
        var now = clock.GetUtcNow().UtcDateTime;
        var id = 0;
        ConnectionRecord Owned(string? comm, long ns, double secondsAgo = 1)
            => Records.Make(++id, durationNs: ns, endUtc: now.AddSeconds(-secondsAgo)) with { Pid = comm is null ? null : 7, Comm = comm, Unit = comm == "nginx" ? "nginx.service" : null };
        store.Append([
            .. Enumerable.Range(1, 20).Select(i => Owned("nginx", i * 1000L)),
            Owned("curl", 5_000_000), Owned("curl", 6_000_000),
            Owned(null, 1), Owned(null, 1),
            Owned("old", 1, secondsAgo: 600), // outside the window
        ]);

        var top = store.TopPrograms(TimeSpan.FromMinutes(5));
        Assert.Equal([("nginx", "nginx.service", 20), ("curl", null, 2)], top.ByConnections.Select(p => (p.Comm, p.Unit, p.Connections)));
        // Nearest rank (the 19th of 20, 19 µs) as every percentile is reported: its histogram bucket's middle.
        Assert.Equal(DurationHistogram.Middle(DurationHistogram.BucketOf(19_000)), top.ByConnections[0].P95DurationNs);
        Assert.InRange(top.ByConnections[0].P95DurationNs, 19_000 * 0.94, 19_000 * 1.06);
        Assert.Equal(["curl", "nginx"], top.ByP95.Select(p => p.Comm));
        Assert.Equal(DurationHistogram.Middle(DurationHistogram.BucketOf(6_000_000)), top.ByP95[0].P95DurationNs);
        Assert.Equal(2, top.Unattributed);
        Assert.Single(store.TopPrograms(TimeSpan.FromMinutes(5), top: 1).ByConnections);
    }

    [Fact]
    public void Program_filter_matches_part_of_comm_or_unit_and_never_an_unknown_owner()
    {
        using var store = Records.Store(Records.Clock());
        store.Append([
            Records.Make(1) with { Pid = 1, Comm = "nginx", Unit = "nginx.service" },
            Records.Make(2) with { Pid = 2, Comm = "curl", Unit = "docker:0123456789ab" },
            Records.Make(3),
        ]);
        Assert.Equal([1L], store.Query(new ConnectionFilter { Program = "ngin" }).Select(r => r.Id));
        Assert.Equal([2L], store.Query(new ConnectionFilter { Program = "docker:0123" }).Select(r => r.Id));
        Assert.Empty(store.Query(new ConnectionFilter { Program = "NGINX" })); // comm is case-sensitive
    }

    [Fact]
    public void Append_rejects_ids_that_do_not_increase()
    {
        using var store = Records.Store(Records.Clock());
        store.Append([Records.Make(5)]);
        Assert.Throws<ArgumentException>(() => store.Append([Records.Make(5)]));
    }

    [Fact]
    public void Per_second_aggregates_count_by_interface_and_close_reason()
    {
        var clock = Records.Clock();
        using var store = Records.Store(clock);
        var s0 = Records.T0;
        store.Append(
        [
            Records.Make(1, iface: "a", endUtc: s0.AddMilliseconds(100), durationNs: 1_000),
            Records.Make(2, iface: "a", endUtc: s0.AddMilliseconds(900), durationNs: 2_000, reason: CloseReason.Rst),
            Records.Make(3, iface: "b", endUtc: s0.AddMilliseconds(999), durationNs: 1_000_000),
        ]);
        clock.Advance(TimeSpan.FromSeconds(1));
        store.Append([Records.Make(4, iface: "b", endUtc: s0.AddSeconds(1.5), durationNs: 5)]);

        var seconds = store.GetSeconds(TimeSpan.FromSeconds(3));
        Assert.Equal([s0, s0.AddSeconds(1), s0.AddSeconds(2)], seconds.Select(s => s.SecondUtc));
        Assert.Equal([3, 1, 0], seconds.Select(s => s.Count));
        Assert.Null(seconds[2].P50Ns);
        Assert.Contains(new ReasonCount(CloseReason.Rst, 1), seconds[0].CloseReasons);
        Assert.Contains(new ReasonCount(CloseReason.Fin, 2), seconds[0].CloseReasons);

        var a = store.GetSeconds(TimeSpan.FromSeconds(3), "a");
        Assert.Equal([2, 0, 0], a.Select(s => s.Count));
        Assert.InRange(a[0].P99Ns!.Value, 1_880, 2_120);

        // The window holds completed seconds only: s0 and s0+1, not the current s0+2.
        var window = store.GetWindow(TimeSpan.FromSeconds(2));
        Assert.Equal(4, window.Count);
        Assert.InRange(window.P99Ns!.Value, 940_000, 1_060_000);
        Assert.InRange(window.P50Ns!.Value, 940, 1_060);
        Assert.Equal(4, window.Histogram.Total);
        Assert.Equal(2.0, window.PerSecond);
    }

    [Fact]
    public void Percentiles_are_within_six_percent_of_exact()
    {
        var h = new DurationHistogram();
        var values = Enumerable.Range(1, 10_000).Select(i => (long)(i * 137.0 * (1 + i % 7))).ToArray();
        foreach (var v in values)
            h.Add(v);
        Array.Sort(values);
        foreach (var q in new[] { 0.5, 0.95, 0.99 })
        {
            var exact = values[(int)Math.Ceiling(q * values.Length) - 1];
            Assert.InRange(h.Percentile(q)!.Value, exact * 0.94, exact * 1.06);
        }
    }

    [Fact]
    public void Aggregates_older_than_retention_are_gone_and_late_records_counted()
    {
        var clock = Records.Clock();
        using var store = Records.Store(clock, retention: TimeSpan.FromMinutes(2));
        store.Append([Records.Make(1, endUtc: Records.T0)]);
        clock.Advance(TimeSpan.FromMinutes(3));

        Assert.Equal(0, store.GetWindow(TimeSpan.FromMinutes(2)).Count);
        store.Append([Records.Make(2, endUtc: Records.T0)]);
        Assert.Equal(1, store.LateRecords);
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public void Records_from_a_clock_ahead_count_in_the_current_second()
    {
        var clock = Records.Clock();
        using var store = Records.Store(clock);
        store.Append([Records.Make(1, endUtc: Records.T0.AddMinutes(10))]);
        Assert.Equal(1, store.GetSeconds(TimeSpan.FromSeconds(1))[^1].Count);
    }
}
