using System.Net;
using Npgsql;
using NpgsqlTypes;
using NeTracker.Probe.Model;
using NeTracker.Web.History.DuckDb;

namespace NeTracker.Web.History.Postgres;

/// <summary>A record with the key that names it across replicas: the agent, its run, its sequence number.</summary>
internal readonly record struct KeyedRecord(string Agent, Guid Run, long Seq, ConnectionRecord Record);

/// <summary>The columns written by binary COPY (<see cref="WriteAsync"/>) and read back (<see cref="Read"/>), in one order.</summary>
internal static class PostgresRows
{
    /// <summary>Every stored column but id, in COPY order: the staging table has exactly these.</summary>
    public const string CopyColumns = "agent, run, seq, " + HistoryColumns.Record;

    public static async Task WriteAsync(NpgsqlBinaryImporter copy, KeyedRecord k, CancellationToken ct)
    {
        var r = k.Record;
        await copy.StartRowAsync(ct);
        await copy.WriteAsync(k.Agent, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(k.Run, NpgsqlDbType.Uuid, ct);
        await copy.WriteAsync(k.Seq, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(r.Host, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(r.Interface, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(r.IfIndex, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync((int)r.Direction, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync((int)r.Family, NpgsqlDbType.Integer, ct);
        // Canonical text, as DuckDB stores it: the filter compares IPAddress.ToString() values.
        await copy.WriteAsync(r.ClientAddr.ToString(), NpgsqlDbType.Text, ct);
        await copy.WriteAsync(r.ClientPort, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync(r.ServerAddr.ToString(), NpgsqlDbType.Text, ct);
        await copy.WriteAsync(r.ServerPort, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync(r.StartUtc.Ticks, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(r.EndUtc.Ticks, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(r.DurationNs, NpgsqlDbType.Bigint, ct);
        await WriteNullableAsync(copy, r.SynAckNs, NpgsqlDbType.Bigint, ct);
        await WriteNullableAsync(copy, r.AckNs, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync((int)r.CloseReason, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync((int)r.ClosedBy, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync(r.BytesIn, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(r.BytesOut, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(r.PacketsIn, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(r.PacketsOut, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(r.SynRetransmits, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync(r.Partial, NpgsqlDbType.Boolean, ct);
        await WriteNullableAsync(copy, r.Pid, NpgsqlDbType.Integer, ct);
        await WriteTextAsync(copy, r.Comm, ct);
        await WriteTextAsync(copy, r.Cgroup, ct);
        await WriteTextAsync(copy, r.Unit, ct);
        await WriteNullableAsync(copy, (int?)r.OwnerSource, NpgsqlDbType.Integer, ct);
        await WriteNullableAsync(copy, r.RetransC, NpgsqlDbType.Integer, ct);
        await WriteNullableAsync(copy, r.RetransS, NpgsqlDbType.Integer, ct);
        await WriteNullableAsync(copy, r.ZeroWinC, NpgsqlDbType.Integer, ct);
        await WriteNullableAsync(copy, r.ZeroWinS, NpgsqlDbType.Integer, ct);
        await WriteNullableAsync(copy, r.ZeroWinNs, NpgsqlDbType.Bigint, ct);
        await WriteNullableAsync(copy, r.RttMinNs, NpgsqlDbType.Bigint, ct);
        await WriteNullableAsync(copy, r.RttAvgNs, NpgsqlDbType.Bigint, ct);
        await WriteNullableAsync(copy, r.RttMaxNs, NpgsqlDbType.Bigint, ct);
        await WriteNullableAsync(copy, r.RttSamples, NpgsqlDbType.Integer, ct);
        await WriteNullableAsync(copy, r.LastCUtc?.Ticks, NpgsqlDbType.Bigint, ct);
        await WriteNullableAsync(copy, r.LastSUtc?.Ticks, NpgsqlDbType.Bigint, ct);
        await WriteTextAsync(copy, r.ServerName, ct);
        await WriteNullableAsync(copy, (int?)r.NameSource, NpgsqlDbType.Integer, ct);
    }

    private static async Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) where T : struct
    {
        if (value is { } v)
            await copy.WriteAsync(v, type, ct);
        else
            await copy.WriteNullAsync(ct);
    }

    private static async Task WriteTextAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken ct)
    {
        if (value is null)
            await copy.WriteNullAsync(ct);
        else
            await copy.WriteAsync(value, NpgsqlDbType.Text, ct);
    }
}
