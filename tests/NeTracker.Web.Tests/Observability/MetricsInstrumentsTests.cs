using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Agent;
using NeTracker.Probe.Model;
using NeTracker.Web.Agents;
using NeTracker.Web.Ingest;
using NeTracker.Web.Metrics;
using NeTracker.Web.Resilience;

namespace NeTracker.Web.Tests.Observability;

/// <summary>
/// /metrics and the instruments (what OTLP exports) are one source: every measurement an
/// instrument of NeTracker's meter gives is a sample of /metrics under the converted name, with the
/// same labels and value; the runtime's and the process's metrics are there too.
/// </summary>
public sealed class MetricsInstrumentsTests : IClassFixture<NeTrackerAppFactory>
{
    private readonly NeTrackerAppFactory _app;

    public MetricsInstrumentsTests(NeTrackerAppFactory app) => _app = app;

    [Fact]
    public async Task Every_observable_instrument_reads_the_value_metrics_shows()
    {
        var ct = TestContext.Current.CancellationToken;
        var now = DateTime.UtcNow;
        _app.Services.GetRequiredService<RecordRefusals>().Count("agent-o", new RecordProblem("direction", RecordProblem.Undefined, "bad"), now);
        _app.Services.GetRequiredService<AgentLedger>().Accept(
            new AgentBatch("agent-o", Guid.NewGuid(), 1, [Records.Make(0, host: "agent-o")], Overflowed: 7, LostEvents: 3), now);
        var text = await _app.CreateAuthenticatedClient().GetStringAsync("/metrics", ct);
        var samples = PrometheusText.Samples(text);

        var measured = Observe(_app.Services.GetRequiredService<IMeterFactory>());

        Assert.Contains(measured, m => m.Line.StartsWith("netracker_agent_lost_events_total{agent=\"agent-o\"}", StringComparison.Ordinal));
        Assert.Contains(measured, m => m.Line.StartsWith("netracker_build_info{", StringComparison.Ordinal));
        Assert.True(measured.Count >= 15, $"only {measured.Count} measurements");
        foreach (var (line, value) in measured)
        {
            Assert.True(samples.TryGetValue(line, out var scraped), $"{line} is not in /metrics");
            Assert.Equal(value, scraped);
        }
        Assert.Equal(3, samples["netracker_agent_lost_events_total{agent=\"agent-o\"}"]);
        Assert.Equal(7, samples["netracker_agent_overflowed_total{agent=\"agent-o\"}"]);
        Assert.Equal(1, samples["netracker_records_refused_total{agent=\"agent-o\",reason=\"direction:undefined\"}"]);
    }

    [Fact]
    public async Task The_per_record_instruments_have_the_names_and_labels_of_metrics()
    {
        var ct = TestContext.Current.CancellationToken;
        var names = new List<string>();
        // Read before the listener starts: it is called for every instrument of the process, the
        // other tests' hosts included, and _app.Services inside it would start this host from
        // within the start of another one — then again from within its own start (a host per
        // instrument, until the process runs out of inotify instances).
        var factory = _app.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, _) =>
            {
                if (i.Meter.Scope == factory && i.Meter.Name == ConnectionMetrics.MeterName && !i.IsObservable)
                    names.Add(PrometheusNames.Of(i));
            },
        };
        listener.Start();
        _app.Services.GetRequiredService<ConnectionMetrics>().Enqueue([Records.Make(0, host: "h-names")]);
        var families = PrometheusText.Families(await _app.CreateAuthenticatedClient().GetStringAsync("/metrics", ct));

        Assert.Equal(["netracker_connection_duration_seconds", "netracker_connections_closed_total", "netracker_handshake_duration_seconds"], names.Order());
        Assert.Equal("histogram", families["netracker_connection_duration_seconds"]);
        Assert.Equal("histogram", families["netracker_handshake_duration_seconds"]);
        Assert.Equal("counter", families["netracker_connections_closed_total"]);
    }

    [Fact]
    public async Task Handshakes_are_a_histogram_of_the_records_that_saw_both_phases()
    {
        var ct = TestContext.Current.CancellationToken;
        var both = Records.Make(0, host: "h-hs") with { SynAckNs = 150_000, AckNs = 50_000 };    // 0.2 ms
        var slow = Records.Make(0, host: "h-hs") with { SynAckNs = 2_000_000_000, AckNs = 0 };   // 2 s
        var none = Records.Make(0, host: "h-hs") with { SynAckNs = null, AckNs = null };         // partial: no handshake seen
        _app.Services.GetRequiredService<ConnectionMetrics>().Enqueue([both, slow, none]);

        var samples = PrometheusText.Samples(await _app.CreateAuthenticatedClient().GetStringAsync("/metrics", ct));

        const string labels = "host=\"h-hs\",interface=\"veth0\",direction=\"inbound\"";
        Assert.Equal(2, samples[$"netracker_handshake_duration_seconds_count{{{labels}}}"]);
        Assert.Equal(1, samples[$"netracker_handshake_duration_seconds_bucket{{{labels},le=\"0.0003\"}}"]);
        Assert.Equal(1, samples[$"netracker_handshake_duration_seconds_bucket{{{labels},le=\"1\"}}"]);
        Assert.Equal(2, samples[$"netracker_handshake_duration_seconds_bucket{{{labels},le=\"3\"}}"]);
        Assert.Equal(2.0002, samples[$"netracker_handshake_duration_seconds_sum{{{labels}}}"], 9);
        Assert.Equal(3, samples[$"netracker_connection_duration_seconds_count{{{labels}}}"]);
    }

    [Fact]
    public async Task Runtime_and_process_metrics_are_served_under_their_OpenTelemetry_names()
    {
        var ct = TestContext.Current.CancellationToken;
        var text = await _app.CreateAuthenticatedClient().GetStringAsync("/metrics", ct);
        var families = PrometheusText.Families(text);
        var samples = PrometheusText.Samples(text);

        Assert.Equal("counter", families["dotnet_process_cpu_time_seconds_total"]);
        Assert.Equal("gauge", families["dotnet_process_memory_working_set_bytes"]);
        Assert.Equal("counter", families["dotnet_gc_collections_total"]);
        Assert.True(samples["dotnet_process_memory_working_set_bytes"] > 10_000_000);
        Assert.True(samples.Where(s => s.Key.StartsWith("dotnet_process_cpu_time_seconds_total{", StringComparison.Ordinal)).Sum(s => s.Value) > 0);
        // Every family is written once: no name of the runtime's collides with NeTracker's.
        Assert.Equal(families.Count, text.Split('\n').Count(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)));
    }

    // What an SDK reader would collect from the observable instruments of this app's meter, as /metrics lines.
    private static List<(string Line, double Value)> Observe(IMeterFactory factory)
    {
        var result = new List<(string, double)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Scope == factory && i.Meter.Name == ConnectionMetrics.MeterName && i.IsObservable)
                    l.EnableMeasurementEvents(i);
            },
        };
        void Add(Instrument i, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = string.Join(",", tags.ToArray().Select(t => $"{t.Key}=\"{t.Value}\""));
            result.Add((PrometheusNames.Of(i) + (labels.Length > 0 ? $"{{{labels}}}" : ""), value));
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
        listener.Start();
        listener.RecordObservableInstruments();
        return result;
    }
}
