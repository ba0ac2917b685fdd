using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Model;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Tests.Observability;

/// <summary>
/// A real Prometheus scrapes the dashboard (with an API key as a bearer token, as a deployment
/// would) and its query API returns the histogram and counters of the records the test published;
/// it loads deploy/prometheus/alerts.yml, and every expression of deploy/grafana/netracker.json
/// is a query it accepts and answers.
/// </summary>
public sealed class PrometheusScrapeTests
{
    private static string AlertsFile => Path.Combine(RepoPaths.Root, "deploy", "prometheus", "alerts.yml");

    private static string GrafanaFile => Path.Combine(RepoPaths.Root, "deploy", "grafana", "netracker.json");

    [Fact]
    public async Task Prometheus_scrapes_the_histogram_and_counters_of_the_published_records()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        app.UseKestrel(0);
        app.StartServer();
        await app.Services.GetRequiredService<IngestService>().PublishAsync(
        [
            Records.Make(0, host: "h-prom", iface: "vm1", durationNs: 50_000),                                  // 50 µs
            Records.Make(0, host: "h-prom", iface: "vm1", durationNs: 2_000_000, clientPort: 2),                 // 2 ms
            Records.Make(0, host: "h-prom", iface: "vm1", durationNs: 2_000_000_000, reason: CloseReason.Rst, clientPort: 3), // 2 s
            Records.Make(0, host: "h-prom", iface: "vm1", durationNs: 400_000, reason: CloseReason.Refused, direction: Direction.Outbound, clientPort: 4),
        ], ct);
        await using var prometheus = await PrometheusServer.StartAsync(app.ServerAddress(), NeTrackerAppFactory.ApiKey, [AlertsFile], ct);

        const string inbound = "host=\"h-prom\",interface=\"vm1\",direction=\"inbound\"";
        await Eventually.TrueAsync(async () => await Value(prometheus, $"netracker_connection_duration_seconds_count{{{inbound}}}", ct) == 3,
            "Prometheus has scraped the three inbound records", seconds: 60);
        Assert.Equal(1, await Value(prometheus, "up{job=\"netracker\"}", ct));
        Assert.Equal(1, await Value(prometheus, $"netracker_connection_duration_seconds_bucket{{{inbound},le=\"0.0001\"}}", ct));
        Assert.Equal(2, await Value(prometheus, $"netracker_connection_duration_seconds_bucket{{{inbound},le=\"0.003\"}}", ct));
        Assert.Equal(2.00205, (await Value(prometheus, $"netracker_connection_duration_seconds_sum{{{inbound}}}", ct))!.Value, 6);
        Assert.Equal(3, await Value(prometheus, $"netracker_handshake_duration_seconds_count{{{inbound}}}", ct));
        Assert.Equal(2, await Value(prometheus, "netracker_connections_closed_total{host=\"h-prom\",close_reason=\"fin\"}", ct));
        Assert.Equal(1, await Value(prometheus, "netracker_connections_closed_total{host=\"h-prom\",close_reason=\"rst\"}", ct));
        Assert.Equal(1, await Value(prometheus, "netracker_connections_closed_total{host=\"h-prom\",close_reason=\"refused\"}", ct));
        Assert.Equal(4, await Value(prometheus, "sum(netracker_connections_closed_total{host=\"h-prom\"})", ct));
        // The median of the three inbound records is in the (1 ms, 3 ms] bucket.
        Assert.InRange((await Value(prometheus, $"histogram_quantile(0.5, netracker_connection_duration_seconds_bucket{{{inbound}}})", ct))!.Value, 0.001, 0.003);
        Assert.True(await Value(prometheus, "sum(dotnet_process_cpu_time_seconds_total)", ct) > 0);

        // The alert rules load and evaluate without error.
        var groups = (await prometheus.GetAsync("/api/v1/rules", ct)).GetProperty("groups").EnumerateArray().ToArray();
        var rules = groups.SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToArray();
        Assert.Contains(rules, r => r.GetProperty("name").GetString() == "NeTrackerTableFull");
        Assert.True(rules.Length >= 6, $"{rules.Length} rules loaded: {prometheus.Log}");
        await Eventually.TrueAsync(async () => (await prometheus.GetAsync("/api/v1/rules", ct)).GetProperty("groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("rules").EnumerateArray()).All(r => r.GetProperty("health").GetString() == "ok"),
            "every alert rule evaluated with health ok", seconds: 30);

        // Every dashboard query is valid PromQL this Prometheus answers, with Grafana's variables as "all".
        foreach (var expr in GrafanaExpressions())
            await prometheus.QueryAsync(expr, ct);
        // The heat map's query has buckets once two scrapes are in its window.
        await Eventually.TrueAsync(async () => (await prometheus.QueryAsync(Grafana(
                "sum by (le) (increase(netracker_connection_duration_seconds_bucket{host=~\"$host\",interface=~\"$interface\"}[$__rate_interval]))"), ct)).Count == 17,
            "the heat map query returns the 17 buckets", seconds: 30);
    }

    private static async Task<double?> Value(PrometheusServer prometheus, string promql, CancellationToken ct)
    {
        var result = await prometheus.QueryAsync(promql, ct);
        return result.Count == 1 ? result[0].Value : null;
    }

    private static IEnumerable<string> GrafanaExpressions()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(GrafanaFile));
        return [.. doc.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray())
            .Select(t => Grafana(t.GetProperty("expr").GetString()!))];
    }

    private static string Grafana(string expr) =>
        expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$host", ".*", StringComparison.Ordinal)
            .Replace("$interface", ".*", StringComparison.Ordinal);
}
