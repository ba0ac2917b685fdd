using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;
using NeTracker.Web.Tests.History;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.Api;

public sealed class ConnectionsApiTests : IAsyncLifetime
{
    private readonly HistoryApiFactory _app = new();
    private readonly List<ConnectionRecord> _records = SampleRecords.Make(2000, seed: 21);
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Page(List<ConnectionRecord> Items, long? NextCursor);

    public async ValueTask InitializeAsync()
    {
        _http = _app.CreateAuthenticatedClient();
        await _app.SeedAsync(_records);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    private async Task<Page> GetPageAsync(string query)
    {
        var response = await _http.GetAsync("/api/connections?" + query, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<Page>(RecordJson.Options, Ct))!;
    }

    [Fact]
    public async Task Json_filters_select_what_ConnectionFilter_selects()
    {
        var pick = _records[777];
        var from = SampleRecords.Epoch.AddSeconds(3);
        var to = SampleRecords.Epoch.AddSeconds(9);
        var cases = new (string Query, ConnectionFilter Filter)[]
        {
            ($"interface={pick.Interface}&port=443&direction=inbound", new() { Interface = pick.Interface, Port = 443, Direction = Direction.Inbound }),
            ($"address={pick.ClientAddr}&close_reason=rst", new() { Address = pick.ClientAddr, CloseReason = CloseReason.Rst }),
            ("address=2001:2:0:1::2&order=asc", new() { Address = IPAddress.Parse("2001:2:0:1::2") }),
            ($"host={Uri.EscapeDataString("db,primary")}&min_duration_ns={pick.DurationNs}", new() { Host = "db,primary", MinDurationNs = pick.DurationNs }),
            ($"min_duration_ns={pick.DurationNs}&max_duration_ns={pick.DurationNs * 2}", new() { MinDurationNs = pick.DurationNs, MaxDurationNs = pick.DurationNs * 2 }),
            ("program=nginx&direction=outbound", new() { Program = "nginx", Direction = Direction.Outbound }),
            ("had=retransmits", new() { Had = ConnectionTrouble.Retransmits }),
            ("had=zero_window&direction=inbound", new() { Had = ConnectionTrouble.ZeroWindow, Direction = Direction.Inbound }),
            ($"program={Uri.EscapeDataString("calc'!A0.serv")}", new() { Program = "calc'!A0.serv" }), // part of a unit
            ($"from={from:O}&to={Uri.EscapeDataString(to.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "+00:00")}",
                new() { FromUtc = from, ToUtc = to }),
        };
        foreach (var (query, filter) in cases)
        {
            var page = await GetPageAsync(query + "&limit=1000");
            var expected = _records.Where(filter.Matches).Select(r => r.Id).ToList();
            Assert.NotEmpty(expected);
            var ids = page.Items.Select(r => r.Id).ToList();
            Assert.Equal(query.Contains("order=asc", StringComparison.Ordinal) ? expected : Enumerable.Reverse(expected), ids);
            Assert.All(page.Items, r => Assert.Equal(_records[(int)r.Id - 1], r));
        }
    }

    [Fact]
    public async Task Cursor_pages_walk_every_row_once_newest_first()
    {
        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var page = await GetPageAsync("limit=300" + (cursor is null ? "" : "&cursor=" + cursor));
            Assert.True(page.Items.Count <= 300);
            seen.AddRange(page.Items.Select(r => r.Id));
            cursor = page.NextCursor?.ToString(CultureInfo.InvariantCulture);
        }
        while (cursor is not null);
        Assert.Equal(_records.Select(r => r.Id).Reverse(), seen);
    }

    [Fact]
    public async Task Default_page_is_100_newest_with_a_snake_case_next_cursor()
    {
        var json = await _http.GetStringAsync("/api/connections", Ct);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(100, doc.RootElement.GetProperty("items").GetArrayLength());
        Assert.Equal(1901, doc.RootElement.GetProperty("next_cursor").GetInt64());
        var first = doc.RootElement.GetProperty("items")[0];
        Assert.Equal(2000, first.GetProperty("id").GetInt64());
        Assert.Equal(SchemaNames.Of(_records[^1].CloseReason), first.GetProperty("close_reason").GetString());
    }

    [Theory]
    [InlineData("port=abc", "'port=abc' is not valid")]
    [InlineData("port=70000", "'port=70000' is not valid")]
    [InlineData("direction=sideways", "inbound or outbound")]
    [InlineData("close_reason=1", "one of fin, rst")]
    [InlineData("address=198.18.0.999", "not an IPv4 or IPv6 address")]
    [InlineData("from=yesterday", "ISO 8601")]
    [InlineData("from=2026-11-26T03:00:00Z&to=2026-11-26T02:00:00Z", "'from' must be earlier than 'to'")]
    [InlineData("limit=5000", "from 1 to 1000")]
    [InlineData("limit=0", "from 1 to 1000")]
    [InlineData("cursor=-3", "next_cursor")]
    [InlineData("inteface=eth0", "Unknown parameter 'inteface'")]
    [InlineData("port=80&port=443", "given 2 times")]
    [InlineData("interface=a%20b", "a space")]
    public async Task Bad_query_values_are_a_400_that_says_what_is_wrong(string query, string message)
    {
        foreach (var path in new[] { "/api/connections?", "/api/connections.csv?" })
        {
            var pagingOnly = query.StartsWith("limit", StringComparison.Ordinal) || query.StartsWith("cursor", StringComparison.Ordinal);
            if (pagingOnly && path.EndsWith(".csv?", StringComparison.Ordinal))
                continue;
            var response = await _http.GetAsync(path + query, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(message, await response.Content.ReadAsStringAsync(Ct));
        }
    }

    [Fact]
    public async Task Csv_export_parsed_back_equals_the_stored_records()
    {
        using var response = await _http.GetAsync("/api/connections.csv", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith(".csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));

        var rows = Rfc4180.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(SchemaNames.Columns, rows[0]);
        Assert.Equal(_records.Count, rows.Count - 1);
        for (var i = 0; i < _records.Count; i++)
            Assert.Equal(_records[i], CsvRecord.Parse(rows[i + 1]));
        Assert.Equal(Enum.GetValues<CloseReason>().Length, _records.Select(r => r.CloseReason).Distinct().Count());
        Assert.Contains(_records, r => r.Family == IpFamily.Ipv6);
        Assert.Contains(rows, r => r[1] == "say \"hi\"");
        Assert.Contains(rows, r => r[1] == "'=cmd|' /C calc'!A0");
    }

    [Fact]
    public async Task Csv_export_with_filters_has_exactly_the_filtered_rows()
    {
        var filter = new ConnectionFilter { Interface = "veth-a", CloseReason = CloseReason.Fin, FromUtc = SampleRecords.Epoch.AddSeconds(2) };
        var text = await _http.GetStringAsync("/api/connections.csv?interface=veth-a&close_reason=fin&from=2026-11-26T02:00:02Z", Ct);
        var rows = Rfc4180.Parse(text);
        Assert.Equal(_records.Where(filter.Matches).Select(r => r.Id.ToString(CultureInfo.InvariantCulture)), rows.Skip(1).Select(r => r[0]));
    }

    [Fact]
    public async Task Empty_export_is_just_the_header()
    {
        var text = await _http.GetStringAsync("/api/connections.csv?port=1", Ct);
        Assert.Equal(ConnectionCsv.Header + "\r\n", text);
    }
}
