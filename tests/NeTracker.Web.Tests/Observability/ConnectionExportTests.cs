using NeTracker.Web.Fleet;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NeTracker.Probe.Model;
using NeTracker.Testing.Servers;
using NeTracker.Web.Configuration;
using NeTracker.Web.Health;
using NeTracker.Web.Hubs;
using NeTracker.Web.Ingest;
using NeTracker.Web.Metrics;
using NeTracker.Web.Metrics.ConnectionExport;
using NeTracker.Web.Resilience;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Observability;

/// <summary>
/// Per-connection export (NeTracker:Otlp:Connections): the records ingest takes arrive at a real
/// OTLP/HTTP receiver as log records with their fields as attributes (and over gRPC at the Aspire
/// Dashboard); another replica's records are not exported here; a receiver that is down costs counted drops, never ingest's progress.
/// </summary>
public sealed class ConnectionExportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static NeTrackerAppFactory App(string endpoint, params (string Key, string Value)[] more)
    {
        var app = new NeTrackerAppFactory
        {
            Settings =
            {
                ["NeTracker:Otlp:Endpoint"] = endpoint,
                ["NeTracker:Otlp:Protocol"] = "http/protobuf",
                ["NeTracker:Otlp:IntervalMs"] = "600000", // the metrics are not what these tests read
                ["NeTracker:Otlp:Connections:Enabled"] = "true",
                ["NeTracker:Otlp:Connections:DelayMs"] = "50",
            },
        };
        foreach (var (key, value) in more)
            app.Settings[key] = value;
        return app;
    }

    /// <summary>A record with every field set (owner, health, both last-payload times).</summary>
    private static ConnectionRecord Full(int clientPort) => Records.Make(0, host: "h-export", clientPort: clientPort, durationNs: 2_500_000,
        endUtc: new DateTime(2026, 12, 7, 10, 0, 0, DateTimeKind.Utc).AddTicks(1234567)) with
    {
        Pid = 4242, Comm = "nginx", Cgroup = "/system.slice/nginx.service", Unit = "nginx.service", OwnerSource = OwnerSource.Kernel,
        RetransC = 1, RetransS = 2, ZeroWinC = 3, ZeroWinS = 4, ZeroWinNs = 5_000, RttMinNs = 100_000, RttAvgNs = 200_000, RttMaxNs = 300_000,
        RttSamples = 9, LastCUtc = new DateTime(2026, 12, 7, 9, 59, 59, DateTimeKind.Utc), LastSUtc = new DateTime(2026, 12, 7, 9, 59, 58, DateTimeKind.Utc),
        Partial = true, SynRetransmits = 1,
    };

    [Fact]
    public async Task Each_ingested_record_arrives_as_an_OTLP_log_record_with_its_fields_as_attributes()
    {
        using var receiver = new OtlpHttpReceiver();
        await using var app = App(receiver.Endpoint);
        var ingest = app.Services.GetRequiredService<IngestService>();
        var refused = Records.Make(0, host: "h-export", clientPort: 50002, client: "2001:db8::2", server: "2001:db8::1",
            reason: CloseReason.Refused, direction: Direction.Outbound) with { SynAckNs = null, AckNs = null, ClosedBy = ClosedBy.None };
        await ingest.PublishAsync([Full(50001), refused], Ct);

        await Eventually.TrueAsync(() => receiver.Logs.Count(l => l.Attributes.GetValueOrDefault("host.name") as string == "h-export") == 2,
            "both records as log records", seconds: 30);
        var logs = receiver.Logs.Where(l => (string)l.Attributes["host.name"] == "h-export").ToDictionary(l => (long)l.Attributes["client.port"]);

        var full = logs[50001];
        // Every attribute the mapping has, for a record with every field set (no closed_by only: it is set; error.type only on failures).
        Assert.Equal(ConnectionLogAttributes.Names.Where(n => n != "error.type").Order(), full.Attributes.Keys.Order());
        Assert.Equal("tcp", full.Attributes["network.transport"]);
        Assert.Equal("ipv4", full.Attributes["network.type"]);
        Assert.Equal("veth0", full.Attributes["network.interface.name"]);
        Assert.Equal("198.18.0.2", full.Attributes["client.address"]);
        Assert.Equal("198.18.0.1", full.Attributes["server.address"]);
        Assert.Equal(8080L, full.Attributes["server.port"]);
        Assert.Equal(4242L, full.Attributes["process.pid"]);
        Assert.Equal("nginx", full.Attributes["process.executable.name"]);
        Assert.Equal("/system.slice/nginx.service", full.Attributes["process.linux.cgroup"]);
        Assert.Equal("nginx.service", full.Attributes["netracker.unit"]);
        Assert.Equal("kernel", full.Attributes["netracker.owner_source"]);
        Assert.Equal("inbound", full.Attributes["netracker.direction"]);
        Assert.Equal("fin", full.Attributes["netracker.close_reason"]);
        Assert.Equal("client", full.Attributes["netracker.closed_by"]);
        Assert.Equal(2_500_000L, full.Attributes["netracker.duration_ns"]);
        Assert.Equal(40_000L, full.Attributes["netracker.synack_ns"]);
        Assert.Equal(1200L, full.Attributes["netracker.bytes_in"]);
        Assert.Equal(5400L, full.Attributes["netracker.bytes_out"]);
        Assert.Equal(7L, full.Attributes["netracker.packets_out"]);
        Assert.Equal(true, full.Attributes["netracker.partial"]);
        Assert.Equal(2L, full.Attributes["netracker.retrans_s"]);
        Assert.Equal(200_000L, full.Attributes["netracker.rtt_avg_ns"]);
        Assert.Equal(9L, full.Attributes["netracker.rtt_samples"]);
        var end = new DateTime(2026, 12, 7, 10, 0, 0, DateTimeKind.Utc).AddTicks(1234567);
        Assert.Equal((ulong)ConnectionLogAttributes.UnixNano(end), full.TimeUnixNano);
        Assert.Equal(ConnectionLogAttributes.UnixNano(end.AddTicks(-25_000)), full.Attributes["netracker.start_unix_nano"]);
        Assert.Equal(ConnectionLogAttributes.UnixNano(new DateTime(2026, 12, 7, 9, 59, 58, DateTimeKind.Utc)), full.Attributes["netracker.last_s_unix_nano"]);
        Assert.True((long)full.Attributes["netracker.id"] > 0, "the id ingest gave it");
        Assert.Equal(ConnectionLogExport.Body, full.Body);
        Assert.Equal("netracker.connection", full.EventName);
        Assert.Equal(9, full.Severity); // INFO
        Assert.Equal("NeTracker.Connections", full.Scope);
        Assert.Equal("netracker", full.Resource["service.name"]);
        Assert.Equal(Environment.MachineName, full.Resource["service.instance.id"]);

        var failed = logs[50002];
        Assert.Equal("ipv6", failed.Attributes["network.type"]);
        Assert.Equal("2001:db8::2", failed.Attributes["client.address"]);
        Assert.Equal("refused", failed.Attributes["error.type"]);
        Assert.Equal("outbound", failed.Attributes["netracker.direction"]);
        foreach (var absent in new[] { "netracker.synack_ns", "netracker.closed_by", "process.pid", "process.executable.name", "netracker.rtt_avg_ns", "netracker.last_c_unix_nano" })
            Assert.False(failed.Attributes.ContainsKey(absent), $"{absent} is absent where the field is null");

        // Counted when the receiver's answer arrives, which is after it read the request.
        var counters = app.Services.GetRequiredService<ConnectionExportCounters>();
        await Eventually.TrueAsync(() => counters.Exported == 2, "both counted as exported");
        var samples = PrometheusText.Samples(await app.CreateAuthenticatedClient().GetStringAsync("/metrics", Ct));
        Assert.Equal(2, samples["netracker_connection_export_records_total"]);
        Assert.Equal(0, samples["netracker_connection_export_dropped_total"]);
    }

    [Fact]
    public async Task Records_arrive_over_gRPC_at_the_Aspire_Dashboard()
    {
        await using var receiver = await AspireDashboard.StartAsync(Ct);
        await using var app = App(receiver.GrpcEndpoint, ("NeTracker:Otlp:Protocol", "grpc"));
        await app.Services.GetRequiredService<IngestService>().PublishAsync([Full(50003)], Ct);

        var counters = app.Services.GetRequiredService<ConnectionExportCounters>();
        await Eventually.TrueAsync(() => counters.Exported == 1, "the record exported over gRPC", seconds: 30);
        await Eventually.TrueAsync(async () => (await receiver.ResourcesAsync(Ct) ?? [])
                .Any(r => r.GetProperty("name").GetString() == "netracker" && r.GetProperty("hasLogs").GetBoolean()),
            "the dashboard lists service 'netracker' with logs", seconds: 30);
        Assert.Equal(0, counters.Failed);
    }

    [Fact]
    public async Task What_is_queued_when_the_dashboard_stops_is_still_exported()
    {
        using var receiver = new OtlpHttpReceiver();
        // A partial batch would wait a minute for more: only the stop sends it.
        var app = App(receiver.Endpoint, ("NeTracker:Otlp:Connections:DelayMs", "60000"));
        await using (app)
        {
            await app.Services.GetRequiredService<IngestService>().PublishAsync([Full(50011), Full(50012), Full(50013)], Ct);
            var counters = app.Services.GetRequiredService<ConnectionExportCounters>();
            await Eventually.TrueAsync(() => counters.Queued == 3, "the three records queued for export");
            await Task.Delay(200, Ct);
            Assert.Empty(receiver.Logs);
        }
        Assert.Equal([50011L, 50012L, 50013L], receiver.Logs.Select(l => (long)l.Attributes["client.port"]).Order());
    }

    [Fact]
    public async Task Records_of_another_replica_are_not_exported_by_this_one()
    {
        using var receiver = new OtlpHttpReceiver();
        var live = new LiveOptions { LocalProbe = false, BatchInterval = TimeSpan.FromMilliseconds(20) };
        using var store = new ConnectionStore(Options.Create(live), TimeProvider.System, NullLogger<ConnectionStore>.Instance);
        var probeHost = new ProbeHostedService(new ServiceCollection().BuildServiceProvider(),
            Options.Create(new NeTrackerOptions()), Options.Create(live), NullLogger<ProbeHostedService>.Instance);
        var counters = new ConnectionExportCounters();
        var loops = new BackgroundLoops(TimeProvider.System, NullLogger<BackgroundLoops>.Instance);
        using var export = new ConnectionLogExport(new OtlpOptions
        {
            Endpoint = receiver.Endpoint, Protocol = "http/protobuf", Connections = { Enabled = true, DelayMs = 20 },
        }, counters, loops, TimeProvider.System);
        using var ingest = new IngestService(store, [export], probeHost, Options.Create(live), TimeProvider.System, NullLogger<IngestService>.Instance);
        await export.StartAsync(Ct);
        await probeHost.StartAsync(Ct);
        await ingest.StartAsync(Ct);
        try
        {
            // What another replica ingested, exported there, reaches this one through the feed.
            var theirs = ReplicaFeed.Decode(ReplicaFeed.Encode(Guid.NewGuid(), Enumerable.Range(1, 5).Select(i => Records.Make(i, clientPort: 60000 + i)).ToArray()), Guid.NewGuid())!;
            ingest.AppendReplica(theirs);
            await ingest.PublishAsync([Records.Make(0, clientPort: 61001), Records.Make(0, clientPort: 61002)], Ct);
            await Eventually.TrueAsync(() => store.TotalAppended == 7, "all seven in this replica's live store");
            await Eventually.TrueAsync(() => counters.Exported == 2, "the two local records exported", seconds: 30);
            await Task.Delay(300, Ct); // a remote record exported late would arrive by now

            Assert.Equal([61001L, 61002L], receiver.Logs.Select(l => (long)l.Attributes["client.port"]).Order());
            Assert.Equal(2, counters.Exported);
        }
        finally
        {
            await ingest.StopAsync(CancellationToken.None);
            await probeHost.StopAsync(CancellationToken.None);
            await export.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_receiver_that_is_down_costs_counted_drops_and_ingest_goes_on()
    {
        // Nothing listens there: every request fails (connection refused), as with a collector that is down.
        var endpoint = $"http://127.0.0.1:{ServerProcess.FreePort()}";
        await using var app = App(endpoint, ("NeTracker:Otlp:Connections:QueueCapacity", "100"), ("NeTracker:Otlp:Connections:BatchSize", "50"),
            ("NeTracker:Otlp:Connections:TimeoutMs", "1000"));
        var ingest = app.Services.GetRequiredService<IngestService>();
        var store = app.Services.GetRequiredService<ConnectionStore>();
        var counters = app.Services.GetRequiredService<ConnectionExportCounters>();
        var started = DateTime.UtcNow;

        for (var b = 0; b < 10; b++)
            await ingest.PublishAsync([.. Enumerable.Range(0, 100).Select(i => Records.Make(0, host: "h-down", clientPort: 1000 + b * 100 + i))], Ct);
        await Eventually.TrueAsync(() => store.TotalAppended >= 1000, "ingest took all 1000 records");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), $"ingest took {DateTime.UtcNow - started}");
        Assert.Equal(0, ingest.ProducerWaits);

        // Every record is accounted for: dropped at the queue, or failed in a request; none exported.
        await Eventually.TrueAsync(() => counters.Dropped + counters.Failed == 1000, $"drops and failures add up to 1000 (dropped {counters.Dropped}, failed {counters.Failed}, queued {counters.Queued})", seconds: 60);
        Assert.True(counters.Dropped >= 800, $"dropped {counters.Dropped}: the queue holds 100");
        Assert.True(counters.Failed > 0, "the requests that were tried failed");
        Assert.Equal(0, counters.Exported);

        var samples = PrometheusText.Samples(await app.CreateAuthenticatedClient().GetStringAsync("/metrics", Ct));
        Assert.Equal(counters.Dropped, samples["netracker_connection_export_dropped_total"]);
        Assert.Equal(counters.Failed, samples["netracker_connection_export_failed_total"]);
        var health = await app.Services.GetServices<IHealthReporter>().OfType<ConnectionExportHealthReporter>().Single().ReportAsync(Ct);
        Assert.Contains(health, i => i.Name.StartsWith("Dropped", StringComparison.Ordinal) && i.Level == HealthLevel.Warning && i.Value == counters.Dropped.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_attribute_table_of_the_operations_page_names_every_attribute_and_no_other()
    {
        var page = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "operations.md"));
        var section = page[page.IndexOf("### Per-connection export", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("**Grafana**", StringComparison.Ordinal)];
        var documented = section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .SelectMany(l => System.Text.RegularExpressions.Regex.Matches(l.Split('|')[1], "`([a-z_.]+)`").Select(m => m.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(ConnectionLogAttributes.Names.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Off_by_default_and_enabled_without_an_endpoint_refused_at_start()
    {
        await using (var off = new NeTrackerAppFactory())
        {
            _ = off.Server;
            Assert.Empty(off.Services.GetServices<IConnectionSink>().OfType<ConnectionLogExport>());
            var health = await off.Services.GetServices<IHealthReporter>().OfType<ConnectionExportHealthReporter>().Single().ReportAsync(Ct);
            Assert.Equal("off", health.Single().Value);
        }
        await using var wrong = new NeTrackerAppFactory { Settings = { ["NeTracker:Otlp:Connections:Enabled"] = "true" } };
        var e = Assert.ThrowsAny<Exception>(() => wrong.Server);
        Assert.Contains("Connections:Enabled needs an OTLP endpoint", e.ToString(), StringComparison.Ordinal);
    }
}
