using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe;
using NeTracker.Web.Agents;
using NeTracker.Web.Metrics;
using NeTracker.Web.Resilience;

namespace NeTracker.Web.Tests.Observability;

/// <summary>
/// deploy/grafana/netracker.json and deploy/prometheus/alerts.yml name only metrics /metrics serves:
/// a rename in the code that forgets them fails here, not on a user's empty panel or silent alert.
/// </summary>
public sealed partial class DeployFilesTests : IClassFixture<NeTrackerAppFactory>
{
    private readonly NeTrackerAppFactory _app;

    public DeployFilesTests(NeTrackerAppFactory app) => _app = app;

    [GeneratedRegex(@"\b(?:netracker|dotnet)_[a-z0-9_]+")]
    private static partial Regex MetricName();

    public static TheoryData<string> Files => new() { "deploy/grafana/netracker.json", "deploy/prometheus/alerts.yml" };

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Every_metric_the_file_names_is_served_by_metrics(string file)
    {
        var served = await ServedAsync();
        var named = MetricName().Matches(File.ReadAllText(Path.Combine(RepoPaths.Root, file))).Select(m => m.Value).Distinct().ToArray();

        Assert.NotEmpty(named);
        Assert.All(named, name => Assert.True(served.Contains(name), $"{file} names {name}, which /metrics does not serve"));
    }

    [Fact]
    public void The_dashboard_is_importable_JSON_with_the_panels_it_promises()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy/grafana/netracker.json")));
        var panels = doc.RootElement.GetProperty("panels").EnumerateArray().ToArray();
        Assert.Equal("netracker", doc.RootElement.GetProperty("uid").GetString());
        Assert.Contains(panels, p => p.GetProperty("type").GetString() == "heatmap");
        Assert.All(new[] { "percentiles", "Failures", "Losses", "Overhead" },
            title => Assert.Contains(panels, p => p.GetProperty("title").GetString()!.Contains(title, StringComparison.Ordinal)));
        // Every panel queries the data source chosen on import, never a uid of the author's Grafana.
        Assert.All(panels, p => Assert.Equal("${datasource}", p.GetProperty("datasource").GetProperty("uid").GetString()));
        Assert.Equal(panels.Length, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
    }

    // Family names and the series names they write (histograms: _bucket, _sum, _count). The probe's families
    // are written when a local probe runs, which this app has not: they come from the writer with probe counters.
    private async Task<HashSet<string>> ServedAsync()
    {
        var text = await _app.CreateAuthenticatedClient().GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        text += PrometheusWriter.Write(_app.Services.GetRequiredService<ConnectionMetrics>(), new ProbeCounters(), 0,
            _app.Services.GetRequiredService<RecordRefusals>(), null, _app.Services.GetRequiredService<AgentLedger>());
        var served = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, type) in PrometheusText.Families(text))
        {
            served.Add(name);
            if (type == "histogram")
                served.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
        }
        return served;
    }
}
