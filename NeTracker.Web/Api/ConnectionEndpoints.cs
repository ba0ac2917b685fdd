using System.Globalization;
using System.Text;
using NeTracker.Probe.Export;
using NeTracker.Probe.Model;
using NeTracker.Web.History;

namespace NeTracker.Web.Api;

/// <summary>GET /api/connections (JSON page), GET /api/connections.csv (streamed export) and GET /api/connections.parquet.</summary>
internal static class ConnectionEndpoints
{
    /// <summary>One page, newest first by default; pass next_cursor back as cursor for the next page.</summary>
    public sealed record ConnectionPage(IReadOnlyList<ConnectionRecord> Items, long? NextCursor);

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/connections", GetPageAsync);
        api.MapGet("/connections.csv", ExportCsvAsync);
        api.MapGet("/connections.parquet", ExportParquetAsync);
    }

    private static async Task<IResult> GetPageAsync(HttpRequest request, IConnectionHistory store, CancellationToken ct)
    {
        var query = ConnectionQuery.Parse(request.Query, paging: true, out var errors);
        if (errors.Count > 0)
            return BadQuery(errors);
        try
        {
            var items = await store.QueryAsync(query.Filter, query.Limit, query.Cursor, query.Ascending, ct: ct);
            long? next = items.Count == query.Limit ? items[^1].Id : null;
            return Results.Json(new ConnectionPage(items, next), ApiJson.Options);
        }
        catch (HistoryUnavailableException e)
        {
            return Unavailable(e);
        }
    }

    /// <summary>
    /// Streams every matching row in id order: rows go from the DuckDB reader through a small text
    /// buffer to the response, so memory does not depend on the size of the export.
    /// </summary>
    private static async Task ExportCsvAsync(HttpContext context, IConnectionHistory store, Resilience.ExportGate gate, CancellationToken ct)
    {
        var query = ConnectionQuery.Parse(context.Request.Query, paging: false, out var errors);
        if (errors.Count > 0)
        {
            await BadQuery(errors).ExecuteAsync(context);
            return;
        }
        await using var rows = store.StreamAsync(query.Filter, ct).GetAsyncEnumerator(ct);
        // The first read opens the database: a failure here is still a clean 503, not a cut-off file.
        if (await EnterAsync(context, store, gate, query.Filter, async () => await rows.MoveNextAsync(), ct) is not { } entered)
            return;
        using var slot = entered.Slot;
        var any = entered.Opened;

        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"netracker-connections-{Stamp()}.csv\"";
        // Kestrel forbids synchronous writes: rows are formatted into a StringBuilder and written asynchronously.
        await using var body = new StreamWriter(context.Response.Body, new UTF8Encoding(false), 64 * 1024);
        var text = new StringBuilder(80 * 1024);
        using var buffer = new StringWriter(text, CultureInfo.InvariantCulture);
        ConnectionCsv.WriteHeader(buffer);
        while (any)
        {
            ConnectionCsv.WriteRow(buffer, rows.Current);
            if (text.Length >= 64 * 1024)
            {
                await body.WriteAsync(text, ct);
                text.Clear();
            }
            any = await rows.MoveNextAsync();
        }
        await body.WriteAsync(text, ct);
        await body.FlushAsync(ct);
    }

    /// <summary>
    /// The same rows as the CSV, as Parquet (pandas, polars, Spark, DuckDB). Parquet's footer comes
    /// last, so DuckDB writes a whole file first; it is already unlinked when the response starts,
    /// so the space is freed when the response ends, however it ends.
    /// </summary>
    private static async Task ExportParquetAsync(HttpContext context, IConnectionHistory store, Resilience.ExportGate gate, CancellationToken ct)
    {
        var query = ConnectionQuery.Parse(context.Request.Query, paging: false, out var errors);
        if (errors.Count > 0)
        {
            await BadQuery(errors).ExecuteAsync(context);
            return;
        }
        if (await EnterAsync(context, store, gate, query.Filter, () => store.ExportParquetAsync(query.Filter, ct), ct) is not { } entered)
            return;
        using var slot = entered.Slot;
        var file = entered.Opened;
        await using (file)
        {
            context.Response.ContentType = "application/vnd.apache.parquet";
            context.Response.ContentLength = file.Length;
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"netracker-connections-{Stamp()}.parquet\"";
            await file.CopyToAsync(context.Response.Body, 64 * 1024, ct);
        }
    }

    /// <summary>
    /// An export slot, then <paramref name="open"/> (what opens the database): a refusal (429, 413)
    /// or an unavailable history (503) is answered here, before any byte of the file, and gives
    /// null; the caller disposes the slot when the response is written.
    /// </summary>
    private static async Task<(IDisposable? Slot, T Opened)?> EnterAsync<T>(HttpContext context, IConnectionHistory store,
        Resilience.ExportGate gate, Store.ConnectionFilter filter, Func<Task<T>> open, CancellationToken ct)
    {
        IDisposable? slot = null;
        try
        {
            var (granted, refusal) = await gate.EnterAsync(store, filter, ct);
            if (refusal is not null)
            {
                await refusal.ExecuteAsync(context);
                return null;
            }
            slot = granted;
            return (slot, await open());
        }
        catch (HistoryUnavailableException e)
        {
            slot?.Dispose();
            await Unavailable(e).ExecuteAsync(context);
            return null;
        }
        catch
        {
            slot?.Dispose();
            throw;
        }
    }

    private static string Stamp() => DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    internal static IResult BadQuery(IReadOnlyList<string> errors) =>
        Results.Problem(title: "Invalid query", detail: string.Join(" ", errors), statusCode: StatusCodes.Status400BadRequest);

    internal static IResult Unavailable(HistoryUnavailableException e) =>
        Results.Problem(title: "History database unavailable", detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
}
