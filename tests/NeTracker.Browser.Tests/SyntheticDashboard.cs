using System.Net;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.Ingest;

namespace NeTracker.Browser.Tests;

/// <summary>
/// The dashboard without the in-process probe, fed with records of known durations through the
/// real ingest (store, history and hub all see them): charts can be checked against what was sent.
/// </summary>
public sealed class SyntheticDashboard : DashboardApp
{
    private long _next;

    public SyntheticDashboard() => Settings["NeTracker:Live:LocalProbe"] = "false";

    /// <summary>
    /// <paramref name="count"/> connections of <paramref name="durationNs"/> each that ended
    /// <paramref name="secondsAgo"/> ago, to server 198.19.0.<paramref name="server"/>:443;
    /// <paramref name="shape"/> sets more fields of the i-th (its health, say).
    /// </summary>
    public async Task PublishAsync(int count, long durationNs, double secondsAgo, CancellationToken ct,
        CloseReason reason = CloseReason.Fin, byte server = 1, Func<ConnectionRecord, int, ConnectionRecord>? shape = null)
    {
        var end = DateTime.UtcNow.AddSeconds(-secondsAgo);
        var batch = new ConnectionRecord[count];
        for (var i = 0; i < count; i++)
        {
            var n = Interlocked.Increment(ref _next);
            batch[i] = Records.Make(0, iface: "synth0", durationNs: durationNs, endUtc: end, reason: reason, host: "synthetic",
                client: $"198.18.7.{1 + (n % 5)}", clientPort: 20_000 + (int)(n % 40_000), server: $"198.19.0.{server}", serverPort: 443);
            if (shape is not null)
                batch[i] = shape(batch[i], i);
        }
        await Services.GetRequiredService<IngestService>().PublishAsync(batch, ct);
    }

    /// <summary>Waits until history holds <paramref name="rows"/> rows: it commits in batches, and a
    /// History page opened before that shows what was there when it loaded.</summary>
    public Task StoredAsync(long rows) =>
        Eventually.TrueAsync(() => Services.GetRequiredService<IConnectionHistory>().Stats.Rows >= rows, $"{rows} rows in history", seconds: 30);
}
