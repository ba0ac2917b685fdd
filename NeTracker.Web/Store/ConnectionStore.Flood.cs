using NeTracker.Probe.Model;

namespace NeTracker.Web.Store;

/// <summary>
/// A SYN flood ends as tens of thousands of <c>unanswered</c> records a few seconds apart. They
/// all count (aggregates, charts, hub, history), but the live table shows at most
/// <see cref="UnansweredRowsPerSecond"/> of them per second: the rest are folded into a count,
/// so the real connections stay on screen and the page stays usable.
/// </summary>
public sealed partial class ConnectionStore
{
    public const int UnansweredRowsPerSecond = 50;

    private readonly long[] _foldedSeconds = new long[60];
    private readonly int[] _foldedCounts = new int[60];
    private long _unansweredSecond;
    private int _unansweredInSecond;
    private long _foldedTotal;

    /// <summary>Unanswered records kept out of the live table since start (all still counted).</summary>
    public long FoldedUnanswered { get { lock (_lock) return _foldedTotal; } }

    /// <summary>Unanswered records kept out of the live table in the last minute.</summary>
    public long FoldedUnansweredLastMinute
    {
        get
        {
            var now = _time.GetUtcNow().ToUnixTimeSeconds();
            long n = 0;
            lock (_lock)
            {
                for (var i = 0; i < _foldedSeconds.Length; i++)
                {
                    if (now - _foldedSeconds[i] < 60)
                        n += _foldedCounts[i];
                }
            }
            return n;
        }
    }

    /// <summary>True when the record is folded (not kept for the table). Called under the lock.</summary>
    private bool FoldFlood(ConnectionRecord r, long nowSecond)
    {
        if (r.CloseReason != CloseReason.Unanswered)
            return false;
        if (nowSecond != _unansweredSecond)
        {
            _unansweredSecond = nowSecond;
            _unansweredInSecond = 0;
        }
        if (++_unansweredInSecond <= UnansweredRowsPerSecond)
            return false;
        var slot = (int)(nowSecond % _foldedSeconds.Length);
        if (_foldedSeconds[slot] != nowSecond)
        {
            _foldedSeconds[slot] = nowSecond;
            _foldedCounts[slot] = 0;
        }
        _foldedCounts[slot]++;
        _foldedTotal++;
        return true;
    }
}
