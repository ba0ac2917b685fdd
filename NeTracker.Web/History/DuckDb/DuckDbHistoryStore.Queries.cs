using System.Runtime.CompilerServices;
using DuckDB.NET.Data;
using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.History.DuckDb;

/// <summary>Reads: pages (keyset by id, or offset for the virtualised grid), counts, the export stream.</summary>
public sealed partial class DuckDbHistoryStore
{
    public Task<IReadOnlyList<ConnectionRecord>> QueryAsync(ConnectionFilter filter, int limit, long? afterId = null,
        bool ascending = false, int offset = 0, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return Task.Run<IReadOnlyList<ConnectionRecord>>(() =>
        {
            using var db = OpenReader(out var strings);
            using var cmd = db.CreateCommand();
            string? keyset = null;
            if (afterId is { } after)
            {
                keyset = ascending ? "id > $after" : "id < $after";
                cmd.Parameters.Add(new DuckDBParameter("after", after));
            }
            var where = FilterSql.Where(filter, cmd, strings, keyset);
            cmd.CommandText = $"SELECT {HistoryColumns.DuckDbRead} FROM connections {where} ORDER BY id {(ascending ? "ASC" : "DESC")} LIMIT $limit OFFSET $offset";
            cmd.Parameters.Add(new DuckDBParameter("limit", (long)limit));
            cmd.Parameters.Add(new DuckDBParameter("offset", (long)offset));
            var items = new List<ConnectionRecord>(Math.Min(limit, 1024));
            using var reader = Run(cmd);
            while (Next(reader, ct))
                items.Add(DuckDbRows.Read(reader, strings));
            return items;
        }, ct);
    }

    public Task<long> CountAsync(ConnectionFilter filter, CancellationToken ct = default) => Task.Run(() =>
    {
        using var db = OpenReader(out var strings);
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT count(*) FROM connections {FilterSql.Where(filter, cmd, strings)}";
        using var reader = Run(cmd);
        Next(reader, ct);
        return reader.GetInt64(0);
    }, ct);

    public Task<IReadOnlyList<string>> InterfacesAsync(CancellationToken ct = default) => Task.Run<IReadOnlyList<string>>(() =>
    {
        using var db = OpenReader(out var strings);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT text FROM strings WHERE id IN (SELECT DISTINCT interface_id FROM connections) ORDER BY text LIMIT 1000";
        var names = new List<string>();
        using var reader = Run(cmd);
        while (Next(reader, ct))
            names.Add(reader.GetString(0));
        return names;
    }, ct);

    /// <remarks>
    /// No ORDER BY, and still in id order: rows are stored in id order (one writer appends
    /// ingest's numbered batches as they come; the import copies in id order before any of them),
    /// and DuckDB returns a scan in storage order while <c>preserve_insertion_order</c> is on (its
    /// default). Sorting instead would hold every row of a large export in memory or in spill
    /// files before the first one is sent.
    /// </remarks>
    public async IAsyncEnumerable<ConnectionRecord> StreamAsync(ConnectionFilter filter, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Yield();
        using var db = OpenReader(out var strings);
        using var cmd = db.CreateCommand();
        // Streaming: DuckDB hands over one chunk (2048 rows) at a time, not the whole result.
        cmd.CommandText = $"SELECT {HistoryColumns.DuckDbRead} FROM connections {FilterSql.Where(filter, cmd, strings)}";
        cmd.UseStreamingMode = true;
        using var reader = Run(cmd);
        while (Next(reader, ct))
            yield return DuckDbRows.Read(reader, strings);
    }

    private DuckDBDataReader Run(DuckDBCommand cmd)
    {
        try
        {
            return cmd.ExecuteReader();
        }
        catch (DuckDBException e)
        {
            throw new HistoryUnavailableException(DuckDbErrors.Describe(e, DatabasePath), e);
        }
    }

    private bool Next(DuckDBDataReader reader, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            return reader.Read();
        }
        catch (DuckDBException e)
        {
            throw new HistoryUnavailableException(DuckDbErrors.Describe(e, DatabasePath), e);
        }
    }

    private void Execute(DuckDBCommand cmd)
    {
        try
        {
            cmd.ExecuteNonQuery();
        }
        catch (DuckDBException e)
        {
            throw new HistoryUnavailableException(DuckDbErrors.Describe(e, DatabasePath), e);
        }
    }
}
