namespace NeTracker.Web.History;

/// <summary>
/// What a history provider (DuckDB, PostgreSQL) tells <see cref="HistoryWriterShell{TUnit}"/>: how
/// to write, cut and describe its queued units. The shell decides when and what is written; the
/// provider only how.
/// </summary>
/// <typeparam name="TUnit">What the provider queues: records, or records with the key and the
/// caller waiting for them (an agent's batch).</typeparam>
internal interface IHistoryAppend<TUnit>
{
    /// <summary>Records in <paramref name="unit"/> (the queue's bound and every counter are in records).</summary>
    int Count(TUnit unit);

    /// <summary>The first <paramref name="at"/> records and the rest, each a unit of its own; a caller
    /// waiting for the whole is answered when both are.</summary>
    (TUnit First, TUnit Second) Split(TUnit unit, int at);

    /// <summary>Before the first write (open, migrate); false with the failure recorded: the shell waits and calls again.</summary>
    Task<bool> PrepareAsync(CancellationToken ct);

    /// <summary>Writes <paramref name="units"/> (<paramref name="records"/> records) whole or not at all.</summary>
    Task<Appended> AppendAsync(IReadOnlyList<TUnit> units, int records, CancellationToken ct);

    /// <summary>The one record of <paramref name="single"/>, as Health names it when it is set aside.</summary>
    string Describe(TUnit single);

    /// <summary><paramref name="single"/> failed alone and is set aside: answer whoever waits for it.</summary>
    void SetAside(TUnit single);

    /// <summary>The writer stopped before <paramref name="unit"/> was written: answer whoever waits for it.</summary>
    void Abandon(TUnit unit);
}

/// <summary>What one append came to; <paramref name="Stored"/> records were new (the rest the database
/// already held); <paramref name="Failure"/> is the record's error for a <see cref="WriteOutcome.RecordFailure"/>.</summary>
internal readonly record struct Appended(WriteOutcome Outcome, int Stored = 0, Exception? Failure = null);
