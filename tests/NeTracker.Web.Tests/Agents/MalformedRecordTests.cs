using System.Net;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.Store;
using NeTracker.Web.Tests.Hubs;

namespace NeTracker.Web.Tests.Agents;

/// <summary>
/// The eight malformed records of the report that stopped history for everyone: each published in a
/// batch of its own, then a good record; through both hub protocols, against the real app.
/// </summary>
public sealed class MalformedRecordTests : IAsyncLifetime
{
    private readonly LiveAppFactory _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<HubProtocol> Protocols => [HubProtocol.Json, HubProtocol.MessagePack];

    /// <summary>What each malformation does to a valid record, and the words the refusal must carry.</summary>
    internal static readonly (string Name, Action<Dictionary<string, object?>> Mutate, string Reason)[] Malformations =
    [
        ("interface null", r => r["interface"] = null, "interface: missing or null"),
        ("client_addr null", r => r["client_addr"] = null, "client_addr: missing or null"),
        ("direction 7", r => r["direction"] = 7, "direction: 7 is not a defined value"),
        ("close_reason 99", r => r["close_reason"] = 99, "close_reason: 99 is not a defined value"),
        ("end_utc in 9999", r => r["end_utc"] = new DateTime(9999, 12, 31, 23, 0, 0, DateTimeKind.Utc), "end_utc: 9999-12-31T23:00:00.0000000Z is not between"),
        ("1 MB comm", r => r["comm"] = new string('a', 1 << 20), "comm: 1048576 characters, at most 16"),
        ("control characters in host", r => r["host"] = "evil\u0001\nhost", "host: holds the control character U+0001"),
        ("negative duration_ns", r => r["duration_ns"] = -5L, "duration_ns: -5 is negative"),
    ];

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Each_malformed_record_is_refused_with_its_reason_and_the_good_ones_after_it_are_stored(HubProtocol protocol)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hub = _app.CreateHubConnection(protocol);
        await hub.StartAsync(ct);
        var epoch = Guid.NewGuid();
        var seq = 1L;
        var now = DateTime.UtcNow;
        foreach (var (name, mutate, reason) in Malformations)
        {
            var bad = RawBatches.Fields(Records.Make(0, clientPort: (int)(30_000 + seq), host: "", endUtc: now));
            mutate(bad);
            var badAck = await RawBatches.PublishAsync(hub, protocol, "agent-m", epoch, seq, [bad], ct);
            Assert.Equal(seq, badAck.LastSeq);
            var refusal = Assert.Single(badAck.Refused ?? []);
            Assert.Equal((0, seq), (refusal.Index, refusal.Seq));
            Assert.StartsWith(reason, refusal.Reason, StringComparison.Ordinal);
            seq++;

            var good = RawBatches.Fields(Records.Make(0, clientPort: (int)(30_000 + seq), host: "", endUtc: now));
            var goodAck = await RawBatches.PublishAsync(hub, protocol, "agent-m", epoch, seq, [good], ct);
            Assert.True(goodAck.Refused is null or { Count: 0 }, $"after {name}: {string.Join("; ", (goodAck.Refused ?? []).Select(r => r.Reason))}");
            Assert.Equal(seq, goodAck.LastSeq);
            seq++;
        }

        var history = _app.Services.GetRequiredService<IConnectionHistory>();
        await Eventually.TrueAsync(async () => await history.CountAsync(ConnectionFilter.None, ct) >= Malformations.Length, "the good records in history");
        var stored = await history.QueryAsync(ConnectionFilter.None, 100, ct: ct);
        Assert.Equal(Malformations.Length, stored.Count);
        Assert.All(stored, r => Assert.Equal("agent-m", r.Host));
        Assert.Equal(Enumerable.Range(0, Malformations.Length).Select(i => 30_002 + 2 * i), stored.Select(r => r.ClientPort).Order());

        using var api = _app.CreateApiClient();
        using var metrics = await api.GetAsync("/metrics", ct);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        var text = await metrics.Content.ReadAsStringAsync(ct);
        Assert.Contains("netracker_records_refused_total{agent=\"agent-m\",reason=\"direction:undefined\"} 1", text);
        Assert.Contains("netracker_records_refused_total{agent=\"agent-m\",reason=\"interface:null\"} 1", text);
        var agents = await api.GetStringAsync("/api/agents", ct);
        Assert.Contains("\"refused\":8", agents);
        using var healthz = await api.GetAsync("/healthz", ct);
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
    }
}
