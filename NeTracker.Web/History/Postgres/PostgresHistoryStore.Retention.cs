namespace NeTracker.Web.History.Postgres;

/// <summary>Retention (run periodically by the shell) by dropping whole daily partitions; partitions created ahead; row count and size refreshed.</summary>
public sealed partial class PostgresHistoryStore
{
    /// <summary>
    /// Drops the days retention says (every replica may run it; the advisory lock makes them take
    /// turns), creates the days ahead, refreshes the row count. Returns the rows removed.
    /// </summary>
    public async Task<long> RunRetentionAsync(CancellationToken ct)
    {
        try
        {
            await using var db = await _source.OpenConnectionAsync(ct).ConfigureAwait(false);
            var now = _time.GetUtcNow().UtcDateTime;
            DateTime? cutoff = _options.MaxAge > TimeSpan.Zero ? now - _options.MaxAge : null;
            var removed = await _partitions.DropAsync(db, cutoff, _options.MaxRows, ct).ConfigureAwait(false);
            var today = DateOnly.FromDateTime(now);
            await _partitions.EnsureAsync(db, Enumerable.Range(0, _pg.PartitionsAhead + 1).Select(today.AddDays), ct).ConfigureAwait(false);
            await RefreshSizeAsync(db, ct).ConfigureAwait(false);
            if (removed > 0)
            {
                _shell.RetentionRemoved(removed);
                _log.LogInformation("History retention dropped partitions holding {Count} records", removed);
            }
            return removed;
        }
        catch (Exception e) when (PostgresErrors.IsStorageFailure(e))
        {
            MarkFailing(e);
            return 0;
        }
    }

    /// <summary>Rows (estimated when large) and bytes of the whole table, every replica's rows included.</summary>
    private async Task RefreshSizeAsync(Npgsql.NpgsqlConnection db, CancellationToken ct)
    {
        var (rows, bytes) = await PostgresPartitions.SizeAsync(db, ct).ConfigureAwait(false);
        _shell.Rows = rows;
        Interlocked.Exchange(ref _bytes, bytes);
    }
}
