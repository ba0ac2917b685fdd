using System.Net;
using NeTracker.Web.Store;
using NeTracker.Web.Tests.Api;

namespace NeTracker.Web.Tests.History;

/// <summary>GET /api/connections.parquet through the real app: the CSV's filters, authentication, no file left behind.</summary>
public sealed class ParquetEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Parquet_endpoint_returns_the_filtered_rows_and_leaves_no_file_behind()
    {
        await using var app = new HistoryApiFactory();
        var records = SampleRecords.Make(2000, seed: 15);
        await app.SeedAsync(records);
        using var http = app.CreateAuthenticatedClient();

        using var response = await http.GetAsync("/api/connections.parquet?interface=veth-a&close_reason=rst&from=2026-11-26T02:00:02Z", Ct);

        response.EnsureSuccessStatusCode();
        Assert.Equal("application/vnd.apache.parquet", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".parquet\"", response.Content.Headers.ContentDisposition?.ToString());
        var copy = Path.Combine(Directory.CreateTempSubdirectory("nt-parquet-").FullName, "export.parquet");
        await File.WriteAllBytesAsync(copy, await response.Content.ReadAsByteArrayAsync(Ct), Ct);
        var filter = new ConnectionFilter { Interface = "veth-a", CloseReason = Probe.Model.CloseReason.Rst, FromUtc = SampleRecords.Epoch.AddSeconds(2) };
        Assert.Equal(records.Where(filter.Matches), ParquetFile.Read(copy).Rows);
        Assert.Empty(Directory.GetFiles(app.Store.DataDirectory, "*.parquet"));
        Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
    }

    [Fact]
    public async Task Parquet_endpoint_needs_authentication_and_rejects_a_bad_filter()
    {
        await using var app = new HistoryApiFactory();
        using var anonymous = app.CreateClient(new() { AllowAutoRedirect = false });
        using var http = app.CreateAuthenticatedClient();

        using var denied = await anonymous.GetAsync("/api/connections.parquet", Ct);
        using var bad = await http.GetAsync("/api/connections.parquet?port=99999", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
