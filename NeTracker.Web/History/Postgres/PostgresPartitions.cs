using System.Globalization;
using Npgsql;

namespace NeTracker.Web.History.Postgres;

/// <summary>
/// Daily partitions of <c>connections</c>, managed by the product (pg_partman is not needed):
/// <c>connections_pYYYYMMDD</c> holds end times in [that day 00:00 UTC, the next day). Created
/// ahead of time and on demand before a batch that needs one; dropped whole for retention.
/// </summary>
/// <remarks>
/// There is no default partition on purpose: a row nobody made a partition for would land there
/// and block creating the right one later. DDL runs under the shared advisory lock, so two
/// replicas creating the same day do not race (CREATE ... IF NOT EXISTS alone can still fail
/// on the catalog's unique index when two sessions run it at once).
/// </remarks>
internal sealed class PostgresPartitions
{
    private const string Prefix = "connections_p";
    private readonly HashSet<DateOnly> _known = [];
    private readonly Lock _lock = new();

    public static DateOnly DayOf(long endTicks) => DateOnly.FromDateTime(new DateTime(endTicks, DateTimeKind.Utc));

    public static long StartTicks(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks;

    public static string NameOf(DateOnly day) => Prefix + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>Forgets what exists (after a reconnect, or when another replica dropped days).</summary>
    public void Reset()
    {
        lock (_lock)
            _known.Clear();
    }

    /// <summary>Creates the partitions of <paramref name="days"/> not known to exist; returns how many it created.</summary>
    public async Task<int> EnsureAsync(NpgsqlConnection db, IEnumerable<DateOnly> days, CancellationToken ct)
    {
        List<DateOnly> missing;
        lock (_lock)
            missing = [.. days.Distinct().Where(d => !_known.Contains(d))];
        if (missing.Count == 0)
            return 0;
        var created = 0;
        await using (var tx = await db.BeginTransactionAsync(ct))
        {
            await PostgresSchema.ExecuteAsync(db, $"SELECT pg_advisory_xact_lock({PostgresSchema.DdlLock})", ct);
            foreach (var day in missing)
            {
                await using var cmd = new NpgsqlCommand(
                    $"CREATE TABLE IF NOT EXISTS {NameOf(day)} PARTITION OF connections FOR VALUES FROM ({StartTicks(day)}) TO ({StartTicks(day.AddDays(1))})", db);
                await cmd.ExecuteNonQueryAsync(ct);
                created++;
            }
            await tx.CommitAsync(ct);
        }
        lock (_lock)
            _known.UnionWith(missing);
        return created;
    }

    /// <summary>The partitions that exist now, by day.</summary>
    public static async Task<List<DateOnly>> ListAsync(NpgsqlConnection db, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'connections'::regclass", db);
        var days = new List<DateOnly>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var name = reader.GetString(0);
            if (name.StartsWith(Prefix, StringComparison.Ordinal)
                && DateOnly.TryParseExact(name[Prefix.Length..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                days.Add(day);
        }
        days.Sort();
        return days;
    }

    /// <summary>
    /// Drops every partition whose whole day ends at or before <paramref name="cutoffUtc"/>, and then the
    /// oldest while the rows left after dropping it would still be at least <paramref name="maxRows"/>
    /// (0: no row limit). Returns the rows removed. Retention by whole days: a day is kept until all of it is old.
    /// </summary>
    public async Task<long> DropAsync(NpgsqlConnection db, DateTime? cutoffUtc, long maxRows, CancellationToken ct)
    {
        await using var tx = await db.BeginTransactionAsync(ct);
        await PostgresSchema.ExecuteAsync(db, $"SELECT pg_advisory_xact_lock({PostgresSchema.DdlLock})", ct);
        var days = await ListAsync(db, ct);
        long removed = 0;
        long? total = null;
        foreach (var day in days)
        {
            var old = cutoffUtc is { } cutoff && StartTicks(day.AddDays(1)) <= cutoff.Ticks;
            var rows = await RowsAsync(db, NameOf(day), ct);
            if (!old && maxRows > 0)
            {
                total ??= (await SizeAsync(db, ct)).Rows;
                old = days[^1] != day && total - rows >= maxRows;
            }
            if (!old)
                break;
            await PostgresSchema.ExecuteAsync(db, $"DROP TABLE {NameOf(day)}", ct);
            removed += rows;
            total -= rows;
            lock (_lock)
                _known.Remove(day);
        }
        await tx.CommitAsync(ct);
        return removed;
    }

    /// <summary>Below this many rows a table is counted exactly; above, the planner's estimate is close enough and free.</summary>
    private const long ExactCountBelow = 1_000_000;

    /// <summary>
    /// Rows and bytes (indexes included) of every partition. Counting 10⁸ rows every minute would cost
    /// the server seconds of scanning, so large tables report the statistics' estimate (kept by autovacuum).
    /// </summary>
    public static async Task<(long Rows, long Bytes)> SizeAsync(NpgsqlConnection db, CancellationToken ct)
    {
        long estimate, bytes;
        await using (var cmd = new NpgsqlCommand(
            "SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint, coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint " +
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'connections'::regclass", db))
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            (estimate, bytes) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        return (estimate < ExactCountBelow ? await CountAsync(db, "connections", ct) : estimate, bytes);
    }

    private static async Task<long> RowsAsync(NpgsqlConnection db, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE relname = '{table}'", db);
        var estimate = (long)(await cmd.ExecuteScalarAsync(ct) ?? 0L);
        return estimate < ExactCountBelow ? await CountAsync(db, table, ct) : estimate;
    }

    private static async Task<long> CountAsync(NpgsqlConnection db, string table, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT count(*) FROM {table}", db);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
