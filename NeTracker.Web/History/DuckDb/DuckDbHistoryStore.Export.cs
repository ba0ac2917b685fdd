using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.History.DuckDb;

/// <summary>Parquet export: DuckDB writes the file, the caller streams it out of an already unlinked file.</summary>
public sealed partial class DuckDbHistoryStore
{
    private const string ExportPrefix = ".export-";

    /// <summary>
    /// The CSV's columns with the CSV's names and values: enums as their schema names (closed_by
    /// null for none), times as nanosecond timestamps (UTC), owner columns null where unknown; the stored
    /// ids and addresses as their text (DuckDbStrings.Register's functions, on this connection).
    /// </summary>
    private static readonly string ExportColumns = string.Join(", ",
    [
        "id", "nt_text(host_id) AS host", "nt_text(interface_id) AS interface", "ifindex",
        $"{Names<Direction>(d => SchemaNames.Of(d))}[direction + 1] AS direction",
        $"{Names<IpFamily>(f => SchemaNames.Of(f))}[family + 1] AS family",
        "nt_addr(client_hi, client_lo) AS client_addr", "client_port", "nt_addr(server_hi, server_lo) AS server_addr", "server_port",
        $"make_timestamp_ns((start_ticks - {DateTime.UnixEpoch.Ticks}) * 100) AS start_utc",
        $"make_timestamp_ns((end_ticks - {DateTime.UnixEpoch.Ticks}) * 100) AS end_utc",
        "duration_ns", "synack_ns", "ack_ns",
        $"{Names<CloseReason>(r => SchemaNames.Of(r))}[close_reason + 1] AS close_reason",
        $"{Names<ClosedBy>(c => SchemaNames.Of(c))}[closed_by + 1] AS closed_by",
        "bytes_in", "bytes_out", "packets_in", "packets_out", "syn_retransmits", "partial",
        "pid", "nt_text(comm_id) AS comm", "nt_text(cgroup_id) AS cgroup", "nt_text(unit_id) AS unit",
        $"{Names<OwnerSource>(s => SchemaNames.Of(s))}[owner_source + 1] AS owner_source",
        "retrans_c", "retrans_s", "zero_win_c", "zero_win_s", "zero_win_ns",
        "rtt_min_ns", "rtt_avg_ns", "rtt_max_ns", "rtt_samples",
        $"make_timestamp_ns((last_c_ticks - {DateTime.UnixEpoch.Ticks}) * 100) AS last_c_utc",
        $"make_timestamp_ns((last_s_ticks - {DateTime.UnixEpoch.Ticks}) * 100) AS last_s_utc",
        "coalesce(nt_text(server_name_id), server_name) AS server_name",
        $"{Names<NameSource>(s => SchemaNames.Of(s))}[name_source + 1] AS name_source",
    ]);

    public Task<Stream> ExportParquetAsync(ConnectionFilter filter, CancellationToken ct = default) => Task.Run<Stream>(() =>
    {
        // In the data directory, not /tmp: a large export must not fill a RAM-backed /tmp.
        var path = Path.Combine(DataDirectory, $"{ExportPrefix}{Guid.NewGuid():N}.parquet");
        try
        {
            using (var db = OpenReader(out var strings))
            using (var cmd = db.CreateCommand())
            {
                var where = FilterSql.Where(filter, cmd, strings);
                // The path is ours (a GUID in the data directory); the filter's values stay parameters.
                // In id order without a sort, as StreamAsync explains.
                cmd.CommandText = $"COPY (SELECT {ExportColumns} FROM connections {where}) TO '{path.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet, COMPRESSION zstd)";
                using var cancel = ct.Register(cmd.Cancel);
                Execute(cmd);
            }
            ct.ThrowIfCancellationRequested();
            // Unlinked at once: the open stream keeps the data readable, and nothing stays behind.
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);
            File.Delete(path);
            return stream;
        }
        finally
        {
            File.Delete(path);
        }
    }, ct);

    /// <summary>Exports a crash (or a kill) interrupted before their file was unlinked.</summary>
    private void RemoveStaleExports()
    {
        try
        {
            if (!Directory.Exists(DataDirectory))
                return;
            foreach (var file in Directory.EnumerateFiles(DataDirectory, ExportPrefix + "*.parquet"))
                File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("History: cannot remove old export files in {Directory}: {Error}", DataDirectory, e.Message);
        }
    }

    /// <summary>A DuckDB list literal of the enum's schema names, indexed by value + 1 (NULL for an empty name).</summary>
    private static string Names<T>(Func<T, string> name) where T : struct, Enum =>
        "[" + string.Join(", ", Enum.GetValues<T>().Select(v => name(v) is { Length: > 0 } n ? $"'{n}'" : "NULL")) + "]";
}
