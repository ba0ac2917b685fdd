using System.Net;
using System.Text.Json;

namespace NeTracker.Web.Tests.Api;

public sealed class InterfacesAndStatusApiTests : IAsyncLifetime
{
    private readonly HistoryApiFactory _app = new();
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _http = _app.CreateAuthenticatedClient();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Interfaces_lists_what_the_probe_lists()
    {
        using var doc = JsonDocument.Parse(await _http.GetStringAsync("/api/interfaces", Ct));
        Assert.Equal(["lo", "veth-nt0", "brokenif0"], doc.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        Assert.Equal("198.18.0.1/24", doc.RootElement[1].GetProperty("addresses")[0].GetString());
    }

    [Fact]
    public async Task Attach_and_detach_an_existing_interface()
    {
        // "lo": the name must exist on this host too, not only in the probe's list.
        var attach = await _http.PostAsync("/api/interfaces/lo/attach", null, Ct);
        Assert.Equal(HttpStatusCode.OK, attach.StatusCode);
        using var doc = JsonDocument.Parse(await attach.Content.ReadAsStringAsync(Ct));
        Assert.True(doc.RootElement.GetProperty("attached").GetBoolean());
        var detach = await _http.PostAsync("/api/interfaces/lo/detach", null, Ct);
        Assert.Equal(HttpStatusCode.OK, detach.StatusCode);
        Assert.Equal(["attach lo", "detach lo"], _app.Probe.Calls);
    }

    [Theory]
    [InlineData("a%20b", HttpStatusCode.BadRequest, "a space")]
    [InlineData("eth0:1", HttpStatusCode.BadRequest, "':'")]
    [InlineData("averyveryverylongname", HttpStatusCode.BadRequest, "at most 15")]
    [InlineData("eth9", HttpStatusCode.NotFound, "no interface named 'eth9'")]
    [InlineData("veth-nt0", HttpStatusCode.NotFound, "no interface named 'veth-nt0'")] // listed by the probe, absent from the host
    [InlineData("lo", HttpStatusCode.Conflict, "RTNETLINK answers: Operation not supported")]
    public async Task Attach_rejects_bad_names_missing_interfaces_and_reports_probe_errors(string name, HttpStatusCode status, string message)
    {
        _app.Probe.FailingInterface = "lo";
        var response = await _http.PostAsync($"/api/interfaces/{name}/attach", null, Ct);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(Ct));
        if (status != HttpStatusCode.Conflict)
            Assert.Empty(_app.Probe.Calls);
    }

    [Fact]
    public async Task Stats_has_probe_counters_and_store_stats()
    {
        await _app.SeedAsync(History.SampleRecords.Make(5));
        using var doc = JsonDocument.Parse(await _http.GetStringAsync("/api/stats", Ct));
        Assert.Equal(NeTracker.Probe.BuildVersion.Text, doc.RootElement.GetProperty("version").GetString());
        Assert.StartsWith(File.ReadAllText(Path.Combine(NeTracker.Testing.RepoPaths.Root, "VERSION")).Trim(), NeTracker.Probe.BuildVersion.Text, StringComparison.Ordinal);
        Assert.Equal(12, doc.RootElement.GetProperty("probe").GetProperty("lines_read").GetInt64());
        Assert.Equal("instance", doc.RootElement.GetProperty("probe").GetProperty("trace_source").GetString());
        var history = doc.RootElement.GetProperty("history");
        Assert.Equal(5, history.GetProperty("rows").GetInt64());
        Assert.True(history.GetProperty("healthy").GetBoolean());
        Assert.EndsWith("history.duckdb", history.GetProperty("database_path").GetString());
    }

    [Fact]
    public async Task Healthz_reports_liveness_and_the_database()
    {
        var response = await _http.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("Healthy", doc.RootElement.GetProperty("status").GetString());
        var checks = doc.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("self", checks);
        Assert.Contains("history", checks);
    }

    [Fact]
    public async Task Healthz_is_degraded_with_the_error_when_the_database_is_corrupt()
    {
        await using var app = new HistoryApiFactory();
        await File.WriteAllTextAsync(Path.Combine(app.DataDirectory, "history.duckdb"), new string('x', 4096), Ct);
        using var http = app.CreateAuthenticatedClient();

        var response = await http.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("\"Degraded\"", body);
        Assert.Contains("not a valid DuckDB database", body);
        var page = await http.GetAsync("/api/connections", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        Assert.Contains("not a valid DuckDB database", await page.Content.ReadAsStringAsync(Ct));
        var csv = await http.GetAsync("/api/connections.csv", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, csv.StatusCode);
    }
}
