using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.History;

/// <summary>Reads: pages (keyset by id, or offset for the virtualised grid), counts, the export stream.</summary>
public sealed partial class SqliteHistoryStore
{
    /// <summary>
    /// One page of <paramref name="filter"/>, newest first unless <paramref name="ascending"/>.
    /// <paramref name="afterId"/> continues after that id in the chosen order (keyset paging);
    /// <paramref name="offset"/> skips rows (the grid's scroll position).
    /// </summary>
    public Task<IReadOnlyList<ConnectionRecord>> QueryAsync(ConnectionFilter filter, int limit, long? afterId = null,
        bool ascending = false, int offset = 0, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return Task.Run<IReadOnlyList<ConnectionRecord>>(() =>
        {
            using var db = OpenReader();
            using var cmd = db.CreateCommand();
            string? keyset = null;
            if (afterId is { } after)
            {
                keyset = ascending ? "id > $after" : "id < $after";
                cmd.Parameters.AddWithValue("$after", after);
            }
            var where = FilterSql.Where(filter, cmd, keyset);
            cmd.CommandText = $"SELECT {HistoryRows.Columns} FROM connections {where} ORDER BY id {(ascending ? "ASC" : "DESC")} LIMIT $limit OFFSET $offset";
            cmd.Parameters.AddWithValue("$limit", limit);
            cmd.Parameters.AddWithValue("$offset", offset);
            var items = new List<ConnectionRecord>(Math.Min(limit, 1024));
            using var reader = Run(cmd);
            while (Next(reader, ct))
                items.Add(HistoryRows.Read(reader));
            return items;
        }, ct);
    }

    public Task<long> CountAsync(ConnectionFilter filter, CancellationToken ct = default) => Task.Run(() =>
    {
        using var db = OpenReader();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT COUNT(*) FROM connections {FilterSql.Where(filter, cmd)}";
        using var reader = Run(cmd);
        Next(reader, ct);
        return reader.GetInt64(0);
    }, ct);

    /// <summary>
    /// The interfaces present in history, for the filter list. One index seek per name ("skip scan"),
    /// so a million rows on a few interfaces cost a few seeks, not a walk of the whole index.
    /// </summary>
    public Task<IReadOnlyList<string>> InterfacesAsync(CancellationToken ct = default) => Task.Run<IReadOnlyList<string>>(() =>
    {
        using var db = OpenReader();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT MIN(interface) FROM connections WHERE interface > $after";
        var after = cmd.Parameters.AddWithValue("$after", "");
        var names = new List<string>();
        while (names.Count < 1000)
        {
            using var reader = Run(cmd);
            if (!Next(reader, ct) || reader.IsDBNull(0))
                break;
            names.Add(reader.GetString(0));
            after.Value = names[^1];
        }
        return names;
    }, ct);

    /// <summary>Every matching record in id order, read row by row: memory stays flat for any size (CSV export).</summary>
    public async IAsyncEnumerable<ConnectionRecord> StreamAsync(ConnectionFilter filter, [EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Yield();
        using var db = OpenReader();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT {HistoryRows.Columns} FROM connections {FilterSql.Where(filter, cmd)} ORDER BY id";
        using var reader = Run(cmd);
        while (Next(reader, ct))
            yield return HistoryRows.Read(reader);
    }

    private SqliteDataReader Run(SqliteCommand cmd)
    {
        try
        {
            return cmd.ExecuteReader();
        }
        catch (SqliteException e)
        {
            throw new HistoryUnavailableException(HistoryErrors.Describe(e, DatabasePath), e);
        }
    }

    private bool Next(SqliteDataReader reader, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        try
        {
            return reader.Read();
        }
        catch (SqliteException e)
        {
            throw new HistoryUnavailableException(HistoryErrors.Describe(e, DatabasePath), e);
        }
    }
}
