using DuckDB.NET.Data;
using DuckDB.NET.Native;
using NeTracker.Probe.Model;
using NeTracker.Web.Resilience;

namespace NeTracker.Web.History.DuckDb;

/// <summary>
/// A record that makes a write fail by itself (a value no validated record holds: a null, a
/// string the database refuses) never stops the writer: the batch is written in halves until the
/// record is alone, and it is set aside — counted (<see cref="HistoryStats.SetAside"/>), logged,
/// shown under the loop "history writer" on Health — while every other record is written once.
/// </summary>
public sealed partial class DuckDbHistoryStore
{
    /// <summary>The name the writer reports its recoveries under (Health, /healthz, netracker_loop_*).</summary>
    public const string WriterLoop = "history writer (DuckDB)";

    private long _setAside;
    private Exception? _lastRecordFailure;

    /// <summary>Failures of a value written, not of the storage: what converting a record can throw,
    /// and DuckDB's errors about a value (by its error type: the message words differ between an
    /// appender and a statement, "Failed to append: NOT NULL constraint failed" against "Constraint Error"). Anything else faults the loop, which is restarted.</summary>
    internal static bool IsRecordFailure(Exception e) =>
        RecordFailures.IsConversion(e)
        || e is DuckDBException { ErrorType: DuckDBErrorType.Constraint or DuckDBErrorType.Conversion or DuckDBErrorType.InvalidInput or DuckDBErrorType.OutOfRange };

    /// <summary>
    /// Writes <paramref name="count"/> records from <paramref name="offset"/> whose batch failed on a
    /// record, in halves, left to right; a record failing alone is set aside. Returns how many of
    /// them are handled (written or set aside) — fewer when the storage itself failed meanwhile:
    /// the rest stays for the retry.
    /// </summary>
    private int Isolate(List<ConnectionRecord> unwritten, int offset, int count)
    {
        if (count == 1)
        {
            SetAside(unwritten[offset]);
            return 1;
        }
        var left = count / 2;
        var done = 0;
        foreach (var (start, n) in new[] { (offset, left), (offset + left, count - left) })
        {
            var handled = TryWrite(unwritten, start, n) switch
            {
                WriteOutcome.Written => n,
                WriteOutcome.RecordFailure => Isolate(unwritten, start, n),
                _ => 0,
            };
            done += handled;
            if (handled < n)
                break;
        }
        return done;
    }

    private void SetAside(ConnectionRecord r)
    {
        Interlocked.Increment(ref _setAside);
        Interlocked.Add(ref _pending, -1);
        _loops.SetAside(WriterLoop, 1,
            $"record {r.Id} (end {SchemaNames.Of(r.EndUtc)}) could not be written: {_lastRecordFailure?.GetType().Name}: {_lastRecordFailure?.Message}",
            _lastRecordFailure);
        SignalProgress();
    }
}
