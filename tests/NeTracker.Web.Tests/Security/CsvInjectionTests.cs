using System.Net;
using Microsoft.Extensions.DependencyInjection;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.Tests.Api;
using NeTracker.Web.Ingest;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.Tests.Security;

/// <summary>Values a spreadsheet would run as formulas leave the real CSV endpoint defused.</summary>
public sealed class CsvInjectionTests
{
    [Fact]
    public async Task Csv_export_neutralises_formula_looking_hosts_and_interfaces()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        string[] hostile = ["=HYPERLINK(\"http://198.18.0.1/x\",\"click\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"];
        var end = new DateTime(2026, 11, 26, 12, 0, 0, DateTimeKind.Utc);
        var records = hostile.Select((h, i) => Records.Make(i + 1, iface: "=1+2", host: h, endUtc: end, durationNs: 1_000_000_000,
            clientPort: 40000 + i, serverPort: 80)).ToList();
        // The way ingest hands records over: every sink gets the batch.
        foreach (var sink in app.Services.GetServices<IConnectionSink>())
            sink.Enqueue(records);
        await app.Services.GetRequiredService<DuckDbHistoryStore>().FlushAsync(ct);

        using var http = app.CreateAuthenticatedClient();
        using var response = await http.GetAsync("/api/connections.csv", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = Rfc4180.Parse(await response.Content.ReadAsStringAsync(ct));
        var header = rows[0];
        var host = Array.IndexOf(header, "host");
        var iface = Array.IndexOf(header, "interface");
        Assert.Equal(hostile.Length, rows.Count - 1);
        foreach (var row in rows.Skip(1))
        {
            Assert.StartsWith("'", row[host], StringComparison.Ordinal);
            Assert.Contains(row[host][1..], hostile);
            Assert.Equal("'=1+2", row[iface]);
        }
    }
}
