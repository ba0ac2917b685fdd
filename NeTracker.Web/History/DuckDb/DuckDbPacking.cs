using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.History.DuckDb;

/// <summary>
/// The small values schema v7 stores together (<see cref="DuckDbSchema.Table"/>): six enums and
/// the partial flag in <c>flags</c>, both ports in <c>ports</c>, the duration's histogram bucket and
/// heat-map bin in <c>durations</c>. The <c>connections</c> view unpacks them with <see cref="ViewColumns"/>,
/// so every query, filter and export reads the columns of v6.
/// </summary>
/// <remarks>
/// Why: DuckDB's append does its work per column per row (validity, distinct-count statistics,
/// compression analysis); the profile in bench/history-results.md puts ~60 % of an insert there.
/// Eleven columns become three. Records are validated before they get here (RecordValidator: every
/// enum a defined value, ports 0-65535), so each field fits its bits; the masks keep a field from
/// spilling into its neighbour all the same.
/// </remarks>
internal static class DuckDbPacking
{
    // flags: bits 0-3 direction, 4-7 family, 8-11 close_reason, 12-15 closed_by, 16 partial,
    // 17-20 owner_source + 1 and 21-24 name_source + 1 (0: NULL).
    private const int Family = 4, CloseReason = 8, ClosedBy = 12, Partial = 16, OwnerSource = 17, NameSource = 21;

    /// <summary>Bucket × 32 + bin: <see cref="DurationHistogram.BucketCount"/> × 32 fits a SMALLINT.</summary>
    private const int BinBits = 5;

    public static int Flags(ConnectionRecord r) =>
        Nibble((int)r.Direction, 0)
        | Nibble((int)r.Family, Family)
        | Nibble((int)r.CloseReason, CloseReason)
        | Nibble((int)r.ClosedBy, ClosedBy)
        | (r.Partial ? 1 << Partial : 0)
        | Nibble(r.OwnerSource is { } o ? (int)o + 1 : 0, OwnerSource)
        | Nibble(r.NameSource is { } n ? (int)n + 1 : 0, NameSource);

    /// <summary>Client port in the high 16 bits, server port in the low (the INTEGER's sign bit is the client's top bit).</summary>
    public static int Ports(int clientPort, int serverPort) => (int)(((uint)clientPort & 0xFFFF) << 16 | ((uint)serverPort & 0xFFFF));

    public static short Durations(long durationNs) =>
        (short)((DurationHistogram.BucketOf(durationNs) << BinBits) | DurationBins.Of(durationNs));

    private static int Nibble(int value, int shift) => (value & 0xF) << shift;

    /// <summary>The stored columns of v7 in the appender's order (<see cref="DuckDbRows.Append"/>).</summary>
    public const string StoredColumns = $"""
        id BIGINT NOT NULL,
        host_id INTEGER NOT NULL,
        interface_id INTEGER NOT NULL,
        ifindex INTEGER NOT NULL,
        flags INTEGER NOT NULL,
        client_hi BIGINT,
        client_lo BIGINT NOT NULL,
        server_hi BIGINT,
        server_lo BIGINT NOT NULL,
        ports INTEGER NOT NULL,
        start_ticks BIGINT NOT NULL,
        end_ticks BIGINT NOT NULL,
        duration_ns BIGINT NOT NULL,
        durations SMALLINT NOT NULL,
        synack_ns BIGINT,
        ack_ns BIGINT,
        bytes_in BIGINT NOT NULL,
        bytes_out BIGINT NOT NULL,
        packets_in BIGINT NOT NULL,
        packets_out BIGINT NOT NULL,
        syn_retransmits INTEGER NOT NULL,
        pid INTEGER,
        comm_id INTEGER,
        cgroup_id INTEGER,
        unit_id INTEGER,
        {DuckDbSchema.StoredHealthAndNames}
        """;

    /// <summary>v6's columns, in v6's order and types, from the stored ones.</summary>
    public static readonly string ViewColumns = $"""
        id, host_id, interface_id, ifindex,
        {Field(0)} AS direction, {Field(Family)} AS family,
        client_hi, client_lo, ((ports >> 16) & 65535) AS client_port,
        server_hi, server_lo, (ports & 65535) AS server_port,
        start_ticks, end_ticks, duration_ns, synack_ns, ack_ns,
        {Field(CloseReason)} AS close_reason, {Field(ClosedBy)} AS closed_by,
        bytes_in, bytes_out, packets_in, packets_out, syn_retransmits,
        ((flags >> {Partial}) & 1) = 1 AS partial,
        pid, comm_id, cgroup_id, unit_id,
        {Nullable(OwnerSource)} AS owner_source,
        CAST(durations >> {BinBits} AS SMALLINT) AS duration_bucket, CAST(durations & {(1 << BinBits) - 1} AS TINYINT) AS duration_bin,
        {HistoryColumns.Health},
        server_name_id, server_name,
        {Nullable(NameSource)} AS name_source
        """;

    /// <summary><see cref="Flags"/> from v6's columns (the migration to v7).</summary>
    public static readonly string FlagsSql =
        $"direction | (family << {Family}) | (close_reason << {CloseReason}) | (closed_by << {ClosedBy}) | (CASE WHEN partial THEN {1 << Partial} ELSE 0 END)"
        + $" | (coalesce(owner_source + 1, 0) << {OwnerSource}) | (coalesce(name_source + 1, 0) << {NameSource})";

    /// <summary><see cref="Ports"/> from v6's columns: computed in BIGINT, wrapped to the INTEGER's range as the cast in C# does.</summary>
    public static readonly string PortsSql =
        "CAST(((CAST(client_port AS BIGINT) << 16) | server_port) - (CASE WHEN client_port >= 32768 THEN 4294967296 ELSE 0 END) AS INTEGER)";

    /// <summary><see cref="Durations"/> from v6's columns.</summary>
    public static readonly string DurationsSql = $"CAST((duration_bucket << {BinBits}) | duration_bin AS SMALLINT)";

    private static string Field(int shift) => $"((flags >> {shift}) & 15)";

    private static string Nullable(int shift) => $"CAST(nullif({Field(shift)}, 0) - 1 AS INTEGER)";
}
