namespace NeTracker.Web.History.Postgres;

/// <summary>Retention by dropping whole daily partitions; partitions created ahead; row count and size refreshed.</summary>
public sealed partial class PostgresHistoryStore
{
    private async Task RetentionLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.RetentionInterval, _time);
        try
        {
            do
            {
                if (_schemaVersion != 0)
                    await RunRetentionAsync(_abandon.Token).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(_abandon.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
        }
    }

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
                Interlocked.Add(ref _retentionDeleted, removed);
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
        Interlocked.Exchange(ref _rows, rows);
        Interlocked.Exchange(ref _bytes, bytes);
    }
}
