using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Model;
using NeTracker.Web.Ingest;

namespace NeTracker.Browser.Tests;

/// <summary>
/// The dashboard without the in-process probe, fed with records of known durations through the
/// real ingest (store, history and hub all see them): charts can be checked against what was sent.
/// </summary>
public sealed class SyntheticDashboard : DashboardApp
{
    private long _next;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("NeTracker:Live:LocalProbe", "false");
    }

    /// <summary>
    /// <paramref name="count"/> connections of <paramref name="durationNs"/> each that ended
    /// <paramref name="secondsAgo"/> ago, to server 198.19.0.<paramref name="server"/>:443.
    /// </summary>
    public async Task PublishAsync(int count, long durationNs, double secondsAgo, CancellationToken ct,
        CloseReason reason = CloseReason.Fin, byte server = 1)
    {
        var end = DateTime.UtcNow.AddSeconds(-secondsAgo);
        var batch = new ConnectionRecord[count];
        for (var i = 0; i < count; i++)
        {
            var n = Interlocked.Increment(ref _next);
            batch[i] = new ConnectionRecord
            {
                Host = "synthetic",
                Interface = "synth0",
                IfIndex = 2,
                Direction = Direction.Inbound,
                Family = IpFamily.Ipv4,
                ClientAddr = new IPAddress([198, 18, 7, (byte)(1 + (n % 5))]),
                ClientPort = 20_000 + (int)(n % 40_000),
                ServerAddr = new IPAddress([198, 19, 0, server]),
                ServerPort = 443,
                StartUtc = end.AddTicks(-durationNs / 100),
                EndUtc = end,
                DurationNs = durationNs,
                SynAckNs = 40_000,
                AckNs = 20_000,
                CloseReason = reason,
                ClosedBy = ClosedBy.Client,
                BytesIn = 500,
                BytesOut = 1500,
                PacketsIn = 5,
                PacketsOut = 6,
            };
        }
        await Services.GetRequiredService<IngestService>().PublishAsync(batch, ct);
    }
}
