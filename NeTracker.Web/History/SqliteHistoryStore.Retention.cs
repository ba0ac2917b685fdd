namespace NeTracker.Web.History;

/// <summary>Retention by age (end time) and by row count (keep the highest ids), periodic.</summary>
public sealed partial class SqliteHistoryStore
{
    // Small transactions: the writer's inserts interleave with a large clean-up instead of waiting for it.
    private const int RetentionChunk = 10_000;

    private async Task RetentionLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.RetentionInterval, _time);
        try
        {
            do
            {
                await RunRetentionAsync(_abandon.Token).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(_abandon.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
        }
    }

    /// <summary>Deletes what retention says; returns the number of rows removed (0 when the database is failing).</summary>
    public async Task<long> RunRetentionAsync(CancellationToken ct)
    {
        long removed = 0;
        try
        {
            if (_options.MaxAge > TimeSpan.Zero)
            {
                var cutoff = (_time.GetUtcNow().UtcDateTime - _options.MaxAge).Ticks;
                removed += await DeleteInChunksAsync("end_ticks < $bound", cutoff, ct).ConfigureAwait(false);
            }
            if (_options.MaxRows > 0 && CountRows() > _options.MaxRows)
            {
                // The id below which everything goes: the (MaxRows+1)-th newest.
                long bound;
                lock (_gate)
                {
                    using var cmd = OpenWriter().CreateCommand();
                    cmd.CommandText = "SELECT id FROM connections ORDER BY id DESC LIMIT 1 OFFSET $keep";
                    cmd.Parameters.AddWithValue("$keep", _options.MaxRows);
                    bound = Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                }
                removed += await DeleteInChunksAsync("id <= $bound", bound, ct).ConfigureAwait(false);
            }
            lock (_gate)
            {
                // Keeps the planner's statistics current (it picks the time index over an id scan for
                // narrow ranges); SQLite only re-analyses tables whose size changed a lot.
                Execute(OpenWriter(), "PRAGMA optimize");
            }
            if (removed > 0)
            {
                lock (_gate)
                {
                    Execute(OpenWriter(), "PRAGMA incremental_vacuum");
                    Interlocked.Exchange(ref _rows, Scalar(OpenWriter(), "SELECT COUNT(*) FROM connections"));
                }
                Interlocked.Add(ref _retentionDeleted, removed);
                _log.LogInformation("History retention removed {Count} records", removed);
            }
        }
        catch (Exception e) when (HistoryErrors.IsStorageFailure(e))
        {
            MarkFailing(e);
        }
        return removed;
    }

    private long CountRows()
    {
        lock (_gate)
            return Scalar(OpenWriter(), "SELECT COUNT(*) FROM connections");
    }

    private async Task<long> DeleteInChunksAsync(string condition, long bound, CancellationToken ct)
    {
        long total = 0;
        while (true)
        {
            int n;
            lock (_gate)
            {
                using var cmd = OpenWriter().CreateCommand();
                cmd.CommandText = $"DELETE FROM connections WHERE id IN (SELECT id FROM connections WHERE {condition} ORDER BY id LIMIT {RetentionChunk})";
                cmd.Parameters.AddWithValue("$bound", bound);
                n = cmd.ExecuteNonQuery();
            }
            total += n;
            if (n < RetentionChunk)
                return total;
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
        }
    }
}
