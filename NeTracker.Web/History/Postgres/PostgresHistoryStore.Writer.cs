using Npgsql;
using NeTracker.Probe.Model;

namespace NeTracker.Web.History.Postgres;

/// <summary>The append: migrate, ensure partitions, binary COPY into staging, INSERT … ON CONFLICT DO
/// NOTHING. The queue, the loop, the retries and the counters are the shell's (HistoryWriterShell.cs).</summary>
public sealed partial class PostgresHistoryStore : IHistoryAppend<PostgresHistoryStore.Pending>
{
    private const string Staging = "netracker_staging";

    private volatile int _schemaVersion;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _shell.Start(ct => _schemaVersion != 0 ? RunRetentionAsync(ct) : Task.CompletedTask);
        return Task.CompletedTask;
    }

    /// <summary>Stops accepting and writes what is queued; when <paramref name="cancellationToken"/> fires
    /// first (the server is away), the rest is counted as dropped and waiting agents are told so.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _shell.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await StopAsync(grace.Token).ConfigureAwait(false);
        await _source.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Completes when every record accepted before the call is written, skipped as a duplicate or dropped.</summary>
    public Task FlushAsync(CancellationToken ct) => _shell.FlushAsync(ct);

    int IHistoryAppend<Pending>.Count(Pending unit) => unit.Records.Count;

    (Pending, Pending) IHistoryAppend<Pending>.Split(Pending p, int at)
    {
        var first = new Pending([.. p.Records.Take(at)], p.Stored is null ? null : new(TaskCreationOptions.RunContinuationsAsynchronously));
        var rest = new Pending([.. p.Records.Skip(at)], p.Stored is null ? null : new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (p.Stored is { } whole)
        {
            // The agent waiting for the batch gets both parts' new records, or the first failure.
            _ = Task.WhenAll(first.Stored!.Task, rest.Stored!.Task).ContinueWith(t =>
            {
                if (t.IsFaulted)
                    whole.TrySetException(t.Exception!.InnerExceptions);
                else
                    whole.TrySetResult([.. t.Result[0], .. t.Result[1]]);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return (first, rest);
    }

    // Migrate before the first write (again after a restart of the loop only if it never worked).
    async Task<bool> IHistoryAppend<Pending>.PrepareAsync(CancellationToken ct) => _schemaVersion != 0 || await TryMigrateAsync().ConfigureAwait(false);

    Task<Appended> IHistoryAppend<Pending>.AppendAsync(IReadOnlyList<Pending> units, int records, CancellationToken ct) => TryWriteAsync(units, records);

    string IHistoryAppend<Pending>.Describe(Pending single) =>
        $"record seq {single.Records[0].Seq} of {single.Records[0].Agent} (end {SchemaNames.Of(single.Records[0].Record.EndUtc)})";

    // Nothing new was stored for it; the agent's batch is answered with the others.
    void IHistoryAppend<Pending>.SetAside(Pending single) => single.Stored?.TrySetResult([]);

    void IHistoryAppend<Pending>.Abandon(Pending unit) =>
        unit.Stored?.TrySetException(new HistoryUnavailableException("The dashboard stopped before the batch was stored; send it again."));

    private async Task<bool> TryMigrateAsync()
    {
        try
        {
            var ct = _shell.Abandoned;
            await using var db = await _source.OpenConnectionAsync(ct).ConfigureAwait(false);
            var from = await PostgresSchema.MigrateAsync(db, ct).ConfigureAwait(false);
            if (from != PostgresSchema.CurrentVersion)
                _log.LogInformation("History: {Where} migrated from schema {From} to {To}", DatabasePath, from, PostgresSchema.CurrentVersion);
            var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
            await _partitions.EnsureAsync(db, Enumerable.Range(0, _pg.PartitionsAhead + 1).Select(today.AddDays), ct).ConfigureAwait(false);
            await RefreshSizeAsync(db, ct).ConfigureAwait(false);
            _schemaVersion = PostgresSchema.CurrentVersion;
            MarkHealthy();
            return true;
        }
        catch (Exception e) when (PostgresErrors.IsStorageFailure(e))
        {
            MarkFailing(e);
            return false;
        }
    }

    /// <summary>
    /// One transaction: COPY every queued record into the session's staging table, insert what the
    /// database does not hold yet, learn which keys were new (RETURNING). Commit, then hand each agent
    /// batch its new records: only now are they durable, so only now may the agent drop them.
    /// </summary>
    private async Task<Appended> TryWriteAsync(IReadOnlyList<Pending> work, int total)
    {
        var ct = _shell.Abandoned;
        try
        {
            await using var db = await _source.OpenConnectionAsync(ct).ConfigureAwait(false);
            await _partitions.EnsureAsync(db, work.SelectMany(p => p.Records).Select(k => PostgresPartitions.DayOf(k.Record.EndUtc.Ticks)), ct).ConfigureAwait(false);
            var fresh = new HashSet<(string, Guid, long)>();
            await using (var tx = await db.BeginTransactionAsync(ct).ConfigureAwait(false))
            {
                await PostgresSchema.ExecuteAsync(db,
                    $"CREATE TEMP TABLE IF NOT EXISTS {Staging} ON COMMIT DELETE ROWS AS SELECT {PostgresRows.CopyColumns} FROM connections WITH NO DATA", ct).ConfigureAwait(false);
                await using (var copy = await db.BeginBinaryImportAsync($"COPY {Staging} ({PostgresRows.CopyColumns}) FROM STDIN (FORMAT BINARY)", ct).ConfigureAwait(false))
                {
                    foreach (var p in work)
                    {
                        foreach (var k in p.Records)
                            await PostgresRows.WriteAsync(copy, k, ct).ConfigureAwait(false);
                    }
                    await copy.CompleteAsync(ct).ConfigureAwait(false);
                }
                await using (var insert = new NpgsqlCommand(
                    $"INSERT INTO connections ({PostgresRows.CopyColumns}) SELECT {PostgresRows.CopyColumns} FROM {Staging} " +
                    "ON CONFLICT (agent, run, seq, end_ticks) DO NOTHING RETURNING agent, run, seq", db))
                await using (var reader = await insert.ExecuteReaderAsync(ct).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        fresh.Add((reader.GetString(0), reader.GetGuid(1), reader.GetInt64(2)));
                }
                await tx.CommitAsync(ct).ConfigureAwait(false);
            }
            var inserted = fresh.Count;
            foreach (var p in work)
            {
                if (p.Stored is null)
                    continue;
                // A key claimed once: the same batch queued twice (an agent's retry) is new only the first time.
                var mine = p.Records.Where(k => fresh.Remove((k.Agent, k.Run, k.Seq))).Select(k => k.Record).ToArray();
                p.Stored.TrySetResult(mine);
            }
            MarkHealthy();
            return new Appended(WriteOutcome.Written, inserted);
        }
        catch (Exception e) when (IsRecordFailure(e))
        {
            _partitions.Reset();
            return new Appended(WriteOutcome.RecordFailure, Failure: e);
        }
        catch (Exception e) when (PostgresErrors.IsStorageFailure(e))
        {
            // A partition another replica dropped meanwhile, or a server restarted from a backup: look again.
            _partitions.Reset();
            MarkFailing(e);
            return new Appended(WriteOutcome.StorageFailure);
        }
    }

    private void MarkHealthy() => _shell.Health.Recovered(DatabasePath);

    private void MarkFailing(Exception e)
    {
        _shell.Health.Failed(e, PostgresErrors.Describe(e, DatabasePath));
        // Connections broken by a server restart stay in the pool until used; clear them so the
        // next attempt opens a fresh one instead of failing on a dead socket once more.
        _source.Clear();
    }
}
