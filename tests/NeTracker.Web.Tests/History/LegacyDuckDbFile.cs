using DuckDB.NET.Data;
using NeTracker.Probe.Model;
using NeTracker.Web.History;
using NeTracker.Web.History.DuckDb;
using NeTracker.Web.Store;

namespace NeTracker.Web.Tests.History;

/// <summary>
/// A history.duckdb exactly as an earlier schema version wrote it: the file made by the released steps
/// up to <c>version</c>, its rows appended in that version's layout — text columns and addresses as
/// IPAddress.ToString(), as the appender of versions 1 to 5 wrote them.
/// </summary>
internal static class LegacyDuckDbFile
{
    public static void Write(string path, IReadOnlyList<ConnectionRecord> records, int version)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, 5);
        using var db = new DuckDBConnection($"Data Source={path}");
        db.Open();
        DuckDbSchema.Migrate(db, DuckDbSchema.Steps.Take(version).ToList());
        using var appender = db.CreateAppender("connections");
        foreach (var r in records)
        {
            var row = appender.CreateRow()
                .AppendValue(r.Id).AppendValue(r.Host).AppendValue(r.Interface).AppendValue(r.IfIndex)
                .AppendValue((int)r.Direction).AppendValue((int)r.Family)
                .AppendValue(r.ClientAddr.ToString()).AppendValue(r.ClientPort).AppendValue(r.ServerAddr.ToString()).AppendValue(r.ServerPort)
                .AppendValue(r.StartUtc.Ticks).AppendValue(r.EndUtc.Ticks).AppendValue(r.DurationNs).AppendValue(r.SynAckNs).AppendValue(r.AckNs)
                .AppendValue((int)r.CloseReason).AppendValue((int)r.ClosedBy)
                .AppendValue(r.BytesIn).AppendValue(r.BytesOut).AppendValue(r.PacketsIn).AppendValue(r.PacketsOut)
                .AppendValue(r.SynRetransmits).AppendValue(r.Partial).AppendValue(r.Pid)
                .AppendValue(r.Comm).AppendValue(r.Cgroup).AppendValue(r.Unit);
            if (version >= 2)
                row.AppendValue((int?)r.OwnerSource);
            if (version >= 3)
                row.AppendValue((short)DurationHistogram.BucketOf(r.DurationNs)).AppendValue((sbyte)DurationBins.Of(r.DurationNs));
            if (version >= 4)
            {
                row.AppendValue(r.RetransC).AppendValue(r.RetransS).AppendValue(r.ZeroWinC).AppendValue(r.ZeroWinS).AppendValue(r.ZeroWinNs)
                    .AppendValue(r.RttMinNs).AppendValue(r.RttAvgNs).AppendValue(r.RttMaxNs).AppendValue(r.RttSamples)
                    .AppendValue(r.LastCUtc?.Ticks).AppendValue(r.LastSUtc?.Ticks);
            }
            if (version >= 5)
                row.AppendValue(r.ServerName).AppendValue((int?)r.NameSource);
            row.EndRow();
        }
    }
}
