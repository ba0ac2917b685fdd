namespace NeTracker.Web.History;

/// <summary>
/// The record's stored columns, once for both providers: DuckDB appends and selects them, PostgreSQL
/// COPYs them after its key (agent, run, seq) and selects them, and <c>DuckDbRows.Read</c> reads a
/// row of <see cref="Read"/>; DuckDB stores no text since its schema v6 and selects <see cref="DuckDbRead"/>.
/// </summary>
internal static class HistoryColumns
{
    /// <summary>Every column of a record but its id; the columns of later schema steps (health, names) last.</summary>
    public const string Record =
        "host, interface, ifindex, direction, family, client_addr, client_port, server_addr, server_port, " +
        "start_ticks, end_ticks, duration_ns, synack_ns, ack_ns, close_reason, closed_by, " +
        "bytes_in, bytes_out, packets_in, packets_out, syn_retransmits, partial, pid, comm, cgroup, unit, owner_source, " +
        Health + ", " + Names;

    /// <summary>Schema v4 (DuckDB) / v2 (PostgreSQL).</summary>
    public const string Health =
        "retrans_c, retrans_s, zero_win_c, zero_win_s, zero_win_ns, rtt_min_ns, rtt_avg_ns, rtt_max_ns, rtt_samples, last_c_ticks, last_s_ticks";

    /// <summary>Schema v5 (DuckDB) / v3 (PostgreSQL): the server's name and where it came from.</summary>
    public const string Names = "server_name, name_source";

    /// <summary>What a query selects to read records back: the id, then the record.</summary>
    public const string Read = "id, " + Record;

    /// <summary>
    /// DuckDB's stored columns (schema v6) in <see cref="Read"/>'s order: ids into <c>strings</c> for
    /// the text, two integers per address, and server_name's id beside its text (names past the dictionary's bound).
    /// </summary>
    public const string DuckDbRead =
        "id, host_id, interface_id, ifindex, direction, family, client_hi, client_lo, client_port, server_hi, server_lo, server_port, " +
        "start_ticks, end_ticks, duration_ns, synack_ns, ack_ns, close_reason, closed_by, " +
        "bytes_in, bytes_out, packets_in, packets_out, syn_retransmits, partial, pid, comm_id, cgroup_id, unit_id, owner_source, " +
        Health + ", server_name_id, server_name, name_source";
}
