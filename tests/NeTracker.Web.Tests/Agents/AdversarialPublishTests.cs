using System.Net;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Web.History;
using NeTracker.Web.Resilience;
using NeTracker.Web.Store;
using NeTracker.Web.Tests.Hubs;

namespace NeTracker.Web.Tests.Agents;

/// <summary>
/// Thousands of records mutated at random from valid ones (seeded, every field, every kind of wrong
/// value; HostileRecords) interleaved with valid ones, through each hub protocol, against the real
/// app: it stays up, /metrics and both exports answer, every valid record is stored exactly once,
/// every mutated one is refused — in the answer, by its index — and counted.
/// </summary>
public sealed class AdversarialPublishTests : IAsyncLifetime
{
    private const int Batches = 50, PerBatch = 40;

    private readonly LiveAppFactory _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<HubProtocol, int> Runs => new() { { HubProtocol.Json, 2501 }, { HubProtocol.MessagePack, 2502 } };

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task Random_hostile_records_are_refused_and_counted_and_every_valid_one_is_stored_once(HubProtocol protocol, int seed)
    {
        var ct = TestContext.Current.CancellationToken;
        var random = new Random(seed);
        await using var hub = _app.CreateHubConnection(protocol);
        await hub.StartAsync(ct);
        var epoch = Guid.NewGuid();
        var valid = new HashSet<int>();
        var mutatedFields = new Dictionary<string, int>(StringComparer.Ordinal);
        var refusedTotal = 0;
        var port = 1024;
        var seq = 1L;
        for (var b = 0; b < Batches; b++)
        {
            var now = DateTime.UtcNow;
            var records = new List<Dictionary<string, object?>>();
            var bad = new HashSet<int>();
            // Mostly mixed batches; now and then one all valid or all hostile.
            var hostileShare = b % 10 == 3 ? 1.0 : b % 10 == 7 ? 0.0 : 0.5;
            for (var i = 0; i < PerBatch; i++)
            {
                var fields = HostileRecords.Valid(random, "agent-x", port, now);
                if (random.NextDouble() < hostileShare)
                {
                    var field = HostileRecords.Mutate(random, fields);
                    mutatedFields[field] = mutatedFields.GetValueOrDefault(field) + 1;
                    bad.Add(i);
                }
                else
                {
                    valid.Add(port);
                }
                records.Add(fields);
                port++;
            }

            var ack = await RawBatches.PublishAsync(hub, protocol, "agent-x", epoch, seq, records, ct);

            Assert.Equal(seq + PerBatch - 1, ack.LastSeq);
            var refused = (ack.Refused ?? []).ToDictionary(r => r.Index);
            var wronglyAccepted = bad.Where(i => !refused.ContainsKey(i)).Select(i => Describe(records[i]));
            Assert.True(bad.SetEquals(refused.Keys),
                $"batch {b}: refused [{string.Join(", ", refused.Keys.Order())}], expected [{string.Join(", ", bad.Order())}]; " +
                $"wrongly accepted: {string.Join(" | ", wronglyAccepted)}; wrongly refused: {string.Join(" | ", refused.Values.Where(r => !bad.Contains(r.Index)).Select(r => r.Reason))}");
            Assert.All(refused.Values, r => Assert.Equal(seq + r.Index, r.Seq));
            refusedTotal += refused.Count;
            seq += PerBatch;
        }
        Assert.True(mutatedFields.Count >= HostileRecords.Fields.Count * 3 / 4, $"mutations reached only {string.Join(", ", mutatedFields.Keys)}");

        var history = _app.Services.GetRequiredService<IConnectionHistory>();
        await Eventually.TrueAsync(async () => await history.CountAsync(ConnectionFilter.None, ct) >= valid.Count, "every valid record in history", seconds: 60);
        var stored = await history.QueryAsync(ConnectionFilter.None, Batches * PerBatch, ct: ct);
        Assert.Equal(valid.Count, stored.Count);
        Assert.True(valid.SetEquals(stored.Select(r => r.ClientPort)),
            $"each valid record stored once; missing {string.Join(",", valid.Except(stored.Select(r => r.ClientPort)).Take(20))}, unexpected {string.Join(",", stored.Select(r => r.ClientPort).Except(valid).Take(20))}");
        // The live view folds floods of alike connections, so it is counted, not listed.
        Assert.Equal(valid.Count, _app.Services.GetRequiredService<ConnectionStore>().TotalAppended);

        Assert.Equal(refusedTotal, _app.Services.GetRequiredService<RecordRefusals>().Of("agent-x"));
        Assert.Equal(Batches * PerBatch - valid.Count, refusedTotal);
        Assert.All(_app.Services.GetRequiredService<BackgroundLoops>().Loops, l => Assert.Equal((0L, 0L), (l.SetAside, l.Restarts)));

        using var api = _app.CreateApiClient();
        var metrics = await api.GetStringAsync("/metrics", ct);
        Assert.Equal(refusedTotal, PrometheusSum(metrics, "netracker_records_refused_total{agent=\"agent-x\""));
        using (var csv = await api.GetAsync("/api/connections.csv", ct))
        {
            Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
            Assert.Equal(valid.Count + 1, (await csv.Content.ReadAsStringAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
        using (var parquet = await api.GetAsync("/api/connections.parquet", ct))
            Assert.Equal(HttpStatusCode.OK, parquet.StatusCode);
        using var healthz = await api.GetAsync("/healthz", ct);
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Contains("\"status\":\"Healthy\"", await healthz.Content.ReadAsStringAsync(ct));
    }

    private static string Describe(Dictionary<string, object?> fields) =>
        string.Join(",", fields.Select(f => $"{f.Key}={(f.Value is string { Length: > 40 } s ? s[..40] + "…" : f.Value)}"));

    private static double PrometheusSum(string text, string prefix) =>
        text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
