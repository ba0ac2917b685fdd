using Npgsql;
using NeTracker.Probe.Model;

namespace NeTracker.Web.History.Postgres;

/// <summary>
/// A record that makes a write fail by itself (a NUL in a text field, a day past any partition, a
/// value out of a column's range) never stops the writer nor makes it retry forever: the work goes
/// one unit at a time, the unit that fails is halved until the record is alone, and that record is
/// set aside — counted (<see cref="HistoryStats.SetAside"/>), logged, shown under the loop
/// "history writer (PostgreSQL)" on Health — while every other record is written once.
/// </summary>
public sealed partial class PostgresHistoryStore
{
    /// <summary>The name the writer reports its recoveries under (Health, /healthz, netracker_loop_*).</summary>
    public const string WriterLoop = "history writer (PostgreSQL)";

    private long _setAside;
    private bool _isolating;
    private Exception? _lastRecordFailure;

    private enum WriteOutcome
    {
        Written,
        RecordFailure,
        StorageFailure,
    }

    /// <summary>Failures of a value written, not of the server: SQLSTATE class 22 (data exception:
    /// a NUL byte, a bad encoding, a number out of range) and 23 (a row no partition takes), and what
    /// converting a record can throw (a date past the last day a partition can be named for).</summary>
    internal static bool IsRecordFailure(Exception e) =>
        e is PostgresException p && (p.SqlState.StartsWith("22", StringComparison.Ordinal) || p.SqlState.StartsWith("23", StringComparison.Ordinal))
        || e is NullReferenceException or ArgumentException or ArithmeticException or FormatException or InvalidCastException or IndexOutOfRangeException;

    /// <summary>The first unit of <paramref name="unwritten"/> failed alone: set its record aside, or halve it in place.</summary>
    private void Isolate(List<Pending> unwritten)
    {
        var p = unwritten[0];
        if (p.Records.Count == 1)
        {
            unwritten.RemoveAt(0);
            SetAside(p);
            return;
        }
        var half = p.Records.Count / 2;
        var first = new Pending([.. p.Records.Take(half)], p.Stored is null ? null : new(TaskCreationOptions.RunContinuationsAsynchronously));
        var second = new Pending([.. p.Records.Skip(half)], p.Stored is null ? null : new(TaskCreationOptions.RunContinuationsAsynchronously));
        if (p.Stored is { } whole)
        {
            // The agent waiting for the batch gets both halves' new records, or the first failure.
            _ = Task.WhenAll(first.Stored!.Task, second.Stored!.Task).ContinueWith(t =>
            {
                if (t.IsFaulted)
                    whole.TrySetException(t.Exception!.InnerExceptions);
                else
                    whole.TrySetResult([.. t.Result[0], .. t.Result[1]]);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        unwritten[0] = first;
        unwritten.Insert(1, second);
    }

    private void SetAside(Pending p)
    {
        var k = p.Records[0];
        Interlocked.Increment(ref _setAside);
        Interlocked.Add(ref _pending, -1);
        _loops.SetAside(WriterLoop, 1,
            $"record seq {k.Seq} of {k.Agent} (end {SchemaNames.Of(k.Record.EndUtc)}) could not be written: {_lastRecordFailure?.GetType().Name}: {_lastRecordFailure?.Message}",
            _lastRecordFailure);
        // Nothing new was stored for it; the agent's batch is answered with the others.
        p.Stored?.TrySetResult([]);
        SignalProgress();
    }
}
