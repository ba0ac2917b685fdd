using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Model;
using NeTracker.Web.Ingest;

namespace NeTracker.Web.Tests.Metrics;

public sealed class MetricsEndpointTests : IClassFixture<NeTrackerAppFactory>
{
    private readonly NeTrackerAppFactory _factory;

    public MetricsEndpointTests(NeTrackerAppFactory factory) => _factory = factory;

    private static ConnectionRecord Record(string iface, Direction d, long durationNs, CloseReason reason) => new()
    {
        Host = "h1",
        Interface = iface,
        Direction = d,
        ClientAddr = IPAddress.Parse("198.18.0.2"),
        ServerAddr = IPAddress.Parse("198.18.0.1"),
        DurationNs = durationNs,
        CloseReason = reason,
    };

    [Fact]
    public async Task Scraped_histogram_and_close_reason_counts_match_the_records()
    {
        var ct = TestContext.Current.CancellationToken;
        var records = new List<ConnectionRecord>
        {
            Record("vm1", Direction.Inbound, 50_000, CloseReason.Fin),           // 50 µs
            Record("vm1", Direction.Inbound, 2_000_000, CloseReason.Fin),        // 2 ms
            Record("vm1", Direction.Inbound, 2_000_000_000, CloseReason.Rst),    // 2 s
            Record("vm1", Direction.Outbound, 400_000, CloseReason.Refused),     // 0.4 ms
        };
        // Every sink gets the batch, exactly as ingest hands it over.
        foreach (var sink in _factory.Services.GetServices<IConnectionSink>())
            sink.Enqueue(records);

        var text = await _factory.CreateAuthenticatedClient().GetStringAsync("/metrics", ct);
        var samples = PrometheusText.Parse(text);

        const string inbound = "host=\"h1\",interface=\"vm1\",direction=\"inbound\"";
        Assert.Equal(3, samples[$"netracker_connection_duration_seconds_count{{{inbound}}}"]);
        Assert.Equal(1, samples[$"netracker_connection_duration_seconds_bucket{{{inbound},le=\"0.0001\"}}"]);
        Assert.Equal(2, samples[$"netracker_connection_duration_seconds_bucket{{{inbound},le=\"0.003\"}}"]);
        Assert.Equal(2, samples[$"netracker_connection_duration_seconds_bucket{{{inbound},le=\"1\"}}"]);
        Assert.Equal(3, samples[$"netracker_connection_duration_seconds_bucket{{{inbound},le=\"+Inf\"}}"]);
        Assert.Equal(2.00205, samples[$"netracker_connection_duration_seconds_sum{{{inbound}}}"], 6);
        Assert.Equal(2, samples["netracker_connections_closed_total{host=\"h1\",interface=\"vm1\",close_reason=\"fin\"}"]);
        Assert.Equal(1, samples["netracker_connections_closed_total{host=\"h1\",interface=\"vm1\",close_reason=\"refused\"}"]);
        Assert.Equal(1, samples["netracker_connection_duration_seconds_count{host=\"h1\",interface=\"vm1\",direction=\"outbound\"}"]);
    }

    /// <summary>Just enough of the text format to check values: "name{labels} value" lines.</summary>
    private static class PrometheusText
    {
        public static Dictionary<string, double> Parse(string text)
        {
            var result = new Dictionary<string, double>();
            foreach (var line in text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#')
                    continue;
                var space = line.LastIndexOf(' ');
                result[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            }
            return result;
        }
    }
}
