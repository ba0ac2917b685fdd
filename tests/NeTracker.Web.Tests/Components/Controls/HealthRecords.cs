using NeTracker.Probe.Model;

namespace NeTracker.Web.Tests.Components.Controls;

/// <summary>
/// Records with known retransmits and RTTs, and the shares and percentiles they must give:
///
///   server 198.18.0.1:443  4 connections, 100 segments each; retransmitted 2, 0, 8, 0 (10 of 400:
///                          2.50 %; 2 of 4 connections: 50.00 %); mean RTT 1, 2, 10, 100 ms
///                          (nearest rank: p50 the 2nd = 2 ms, p90 and p99 the 4th = 100 ms)
///   server 198.18.0.1:8080 2 connections without retransmits, mean RTT 50 µs; 1 more from the
///                          trace transport (no health fields: not measured)
///   client 198.18.0.10     the first two of :443 (2 of 200 segments: 1.00 %)
///   client 198.18.0.11     the last two of :443 (8 of 200: 4.00 %)
///   client 198.18.0.12     the three of :8080
/// </summary>
internal static class HealthRecords
{
    public static ConnectionRecord[] Make(DateTime end)
    {
        ConnectionRecord R(long id, string client, int port, int? retransC, int? retransS, long? rttNs) =>
            Records.Make(id, durationNs: 1_000_000_000, endUtc: end, client: client, clientPort: 40_000 + (int)id, serverPort: port) with
            {
                PacketsIn = 60,
                PacketsOut = 40,
                RetransC = retransC,
                RetransS = retransS,
                ZeroWinC = retransC is null ? null : 0,
                ZeroWinS = retransC is null ? null : 0,
                ZeroWinNs = retransC is null ? null : 0,
                RttMinNs = rttNs,
                RttAvgNs = rttNs,
                RttMaxNs = rttNs,
                RttSamples = retransC is null ? null : rttNs is null ? 0 : 5,
            };
        return
        [
            R(1, "198.18.0.10", 443, 2, 0, 1_000_000),
            R(2, "198.18.0.10", 443, 0, 0, 2_000_000),
            R(3, "198.18.0.11", 443, 3, 5, 10_000_000),
            R(4, "198.18.0.11", 443, 0, 0, 100_000_000),
            R(5, "198.18.0.12", 8080, 0, 0, 50_000),
            R(6, "198.18.0.12", 8080, 0, 0, 50_000),
            R(7, "198.18.0.12", 8080, null, null, null),
        ];
    }

    /// <summary>How a percentile of these values reads on the page: its bucket's middle, formatted.</summary>
    public static string Shown(long ns) => NeTracker.Web.Components.DurationFormat.Format(
        NeTracker.Web.Store.DurationHistogram.Middle(NeTracker.Web.Store.DurationHistogram.BucketOf(ns)));
}
