namespace NeTracker.Web.History;

/// <summary>What one write of a history writer (DuckDB, PostgreSQL) came to: written, failed on a
/// record (the batch is halved until that record is alone, and it is set aside), or failed on the
/// storage (the records are kept and retried).</summary>
internal enum WriteOutcome
{
    Written,
    RecordFailure,
    StorageFailure,
}

internal static class RecordFailures
{
    /// <summary>What converting one record into a row can throw: a failure of that record, never of the storage.</summary>
    public static bool IsConversion(Exception e) =>
        e is NullReferenceException or ArgumentException or ArithmeticException or FormatException or InvalidCastException or IndexOutOfRangeException;
}
