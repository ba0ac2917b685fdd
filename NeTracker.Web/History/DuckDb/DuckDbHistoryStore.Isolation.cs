using DuckDB.NET.Data;
using DuckDB.NET.Native;
using NeTracker.Probe.Model;
using NeTracker.Web.Resilience;

namespace NeTracker.Web.History.DuckDb;

/// <summary>
/// A record that makes a write fail by itself (a value no validated record holds: a null, a
/// string the database refuses) never stops the writer: the batch is written in halves until the
/// record is alone, and it is set aside (HistoryWriterShell.cs) — counted (<see cref="HistoryStats.SetAside"/>), logged,
/// shown under the loop "history writer" on Health — while every other record is written once.
/// </summary>
public sealed partial class DuckDbHistoryStore
{
    /// <summary>The name the writer reports its recoveries under (Health, /healthz, netracker_loop_*).</summary>
    public const string WriterLoop = "history writer (DuckDB)";

    /// <summary>Failures of a value written, not of the storage: what converting a record can throw,
    /// and DuckDB's errors about a value (by its error type: the message words differ between an
    /// appender and a statement, "Failed to append: NOT NULL constraint failed" against "Constraint Error"). Anything else faults the loop, which is restarted.</summary>
    internal static bool IsRecordFailure(Exception e) =>
        RecordFailures.IsConversion(e)
        || e is DuckDBException { ErrorType: DuckDBErrorType.Constraint or DuckDBErrorType.Conversion or DuckDBErrorType.InvalidInput or DuckDBErrorType.OutOfRange };
}
