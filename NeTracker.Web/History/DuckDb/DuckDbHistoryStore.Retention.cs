namespace NeTracker.Web.History.DuckDb;

/// <summary>Retention by age (end time) and by row count (keep the highest ids), run periodically by the shell.</summary>
/// <remarks>
/// Deletes run on their own connection, beside the writer: DuckDB's MVCC lets a delete of old
/// rows and an append of new ones proceed together, so ingest never waits for a clean-up.
/// </remarks>
public sealed partial class DuckDbHistoryStore
{
    /// <summary>Deletes what retention says; returns the number of rows removed (0 when the database is failing).</summary>
    public Task<long> RunRetentionAsync(CancellationToken ct) => Task.Run(() =>
    {
        long removed = 0;
        try
        {
            using var db = OpenReader();
            using var cmd = db.CreateCommand();
            if (_options.MaxAge > TimeSpan.Zero)
            {
                cmd.CommandText = $"DELETE FROM {DuckDbSchema.Table} WHERE end_ticks < $cutoff";
                cmd.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("cutoff", (_time.GetUtcNow().UtcDateTime - _options.MaxAge).Ticks));
                removed += cmd.ExecuteNonQuery();
                cmd.Parameters.Clear();
            }
            ct.ThrowIfCancellationRequested();
            cmd.CommandText = $"SELECT count(*) FROM {DuckDbSchema.Table}";
            // count(*) of a whole table is metadata, and the excess is usually one interval's rows: a
            // top-N of the excess oldest ids, not of the MaxRows newest.
            var excess = _options.MaxRows > 0 ? Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) - _options.MaxRows : 0;
            if (excess > 0)
            {
                cmd.CommandText = $"DELETE FROM {DuckDbSchema.Table} WHERE id <= (SELECT id FROM {DuckDbSchema.Table} ORDER BY id LIMIT 1 OFFSET $skip)";
                cmd.Parameters.Add(new DuckDB.NET.Data.DuckDBParameter("skip", excess - 1));
                removed += cmd.ExecuteNonQuery();
                cmd.Parameters.Clear();
            }
            if (removed > 0)
            {
                cmd.CommandText = $"SELECT count(*) FROM {DuckDbSchema.Table}";
                _shell.Rows = Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                _shell.RetentionRemoved(removed);
                // The texts only those rows used can go: the writer prunes them before its next commit.
                _pruneDue = true;
                _log.LogInformation("History retention removed {Count} records", removed);
            }
        }
        catch (HistoryUnavailableException)
        {
            // The writer reports why the database cannot be opened.
        }
        catch (Exception e) when (DuckDbErrors.IsStorageFailure(e))
        {
            MarkFailing(e);
        }
        return removed;
    }, CancellationToken.None);
}
