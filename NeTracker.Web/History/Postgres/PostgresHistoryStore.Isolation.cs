using Npgsql;
using NeTracker.Probe.Model;

namespace NeTracker.Web.History.Postgres;

/// <summary>
/// A record that makes a write fail by itself (a NUL in a text field, a day past any partition, a
/// value out of a column's range) never stops the writer nor makes it retry forever: the work goes
/// one unit at a time, the unit that fails is halved until the record is alone, and that record is
/// set aside (HistoryWriterShell.cs) — counted (<see cref="HistoryStats.SetAside"/>), logged, shown under the loop
/// "history writer (PostgreSQL)" on Health — while every other record is written once.
/// </summary>
public sealed partial class PostgresHistoryStore
{
    /// <summary>The name the writer reports its recoveries under (Health, /healthz, netracker_loop_*).</summary>
    public const string WriterLoop = "history writer (PostgreSQL)";

    /// <summary>Failures of a value written, not of the server: SQLSTATE class 22 (data exception:
    /// a NUL byte, a bad encoding, a number out of range) and 23 (a row no partition takes), and what
    /// converting a record can throw (a date past the last day a partition can be named for).</summary>
    internal static bool IsRecordFailure(Exception e) =>
        e is PostgresException p && (p.SqlState.StartsWith("22", StringComparison.Ordinal) || p.SqlState.StartsWith("23", StringComparison.Ordinal))
        || RecordFailures.IsConversion(e);
}
