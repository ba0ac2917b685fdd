using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using CliWrap;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Kernel;

/// <summary>
/// Reads the pinned "conns" map with `bpftool -j map dump` (BTF formatted) and deletes entries.
/// The dump is parsed as it streams out of bpftool, one element at a time, so a full table
/// (65536 entries, ~150 MB of JSON) never sits in memory.
/// </summary>
public sealed class ConnTable(BpfTool bpftool, PinPaths pins)
{
    private readonly string mapPath = pins.Conns;

    public async Task<List<ConnEntry>> DumpAsync(CancellationToken ct)
    {
        var entries = new List<ConnEntry>();
        var pipe = new Pipe();
        var command = CliWrap.Cli.Wrap(bpftool.Path)
            .WithArguments(["-j", "map", "dump", "pinned", mapPath])
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToStream(pipe.Writer.AsStream()));
        var stderr = new System.Text.StringBuilder();
        command = command.WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr));

        var parse = Task.Run(async () =>
        {
            await using var stream = pipe.Reader.AsStream();
            await foreach (var e in JsonSerializer.DeserializeAsyncEnumerable<DumpElement>(stream, cancellationToken: ct).ConfigureAwait(false))
            {
                if (e?.Formatted?.Key is { } k && e.Formatted.Value is { } v && e.Key is { } raw)
                    entries.Add(ToEntry(raw, k, v));
            }
        }, ct);
        CommandResult result;
        try
        {
            result = await command.ExecuteAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            await pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }
        await parse.ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new ProbeException($"reading the connection table failed: `bpftool map dump pinned {mapPath}`: {stderr.ToString().Trim()}");
        return entries;
    }

    /// <summary>
    /// Removes entries. With <paramref name="tombstoneNs"/> each key first goes to the
    /// tombstones, as the kernel does when it closes a connection itself, so the packets that
    /// may still trail a swept connection (the silent side finally closing) start nothing.
    /// </summary>
    public Task<int> RemoveAsync(IReadOnlyList<ConnEntry> entries, ulong? tombstoneNs, CancellationToken ct)
    {
        if (entries.Count == 0)
            return Task.FromResult(0);
        var commands = new List<string>(entries.Count * 2);
        var stamp = tombstoneNs is { } t ? string.Join(' ', BpfTool.Hex(BitConverter.GetBytes(t))) : null;
        foreach (var e in entries)
        {
            var key = string.Join(' ', BpfTool.Hex(e.RawKey));
            if (stamp is not null)
                commands.Add($"map update pinned {pins.Closed} key hex {key} value hex {stamp}");
            commands.Add($"map delete pinned {mapPath} key hex {key}");
        }
        return bpftool.RunBatchAsync(commands, ct);
    }

    private static ConnEntry ToEntry(string[] rawKey, KeyDto k, ValueDto v)
    {
        var family = k.Family == 6 ? IpFamily.Ipv6 : IpFamily.Ipv4;
        return new ConnEntry(
            rawKey.Select(ParseHexByte).ToArray(), (int)k.IfIndex, family,
            Address(v.ClientAddr, family), v.ClientPort, Address(v.ServerAddr, family), v.ServerPort,
            v.StartNs, v.SynAckAt, v.AckAt, v.LastNs, v.BytesIn, v.BytesOut, v.PacketsIn, v.PacketsOut,
            v.State, v.SynRetransmits, v.Flags);
    }

    private static IPAddress Address(int[]? bytes, IpFamily family)
    {
        if (bytes is not { Length: 16 })
            return IPAddress.IPv6None;
        var b = bytes.Select(x => (byte)x).ToArray();
        var a = new IPAddress(b);
        return family == IpFamily.Ipv4 && a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
    }

    private static byte ParseHexByte(string s)
        => byte.Parse(s.StartsWith("0x", StringComparison.Ordinal) ? s[2..] : s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private sealed record DumpElement(
        [property: JsonPropertyName("key")] string[]? Key,
        [property: JsonPropertyName("formatted")] Formatted? Formatted);

    private sealed record Formatted(
        [property: JsonPropertyName("key")] KeyDto? Key,
        [property: JsonPropertyName("value")] ValueDto? Value);

    private sealed record KeyDto(
        [property: JsonPropertyName("ifindex")] uint IfIndex,
        [property: JsonPropertyName("family")] int Family);

    private sealed record ValueDto(
        [property: JsonPropertyName("client_addr")] int[]? ClientAddr,
        [property: JsonPropertyName("server_addr")] int[]? ServerAddr,
        [property: JsonPropertyName("start_ns")] ulong StartNs,
        [property: JsonPropertyName("synack_at")] ulong SynAckAt,
        [property: JsonPropertyName("ack_at")] ulong AckAt,
        [property: JsonPropertyName("last_ns")] ulong LastNs,
        [property: JsonPropertyName("bytes_in")] ulong BytesIn,
        [property: JsonPropertyName("bytes_out")] ulong BytesOut,
        [property: JsonPropertyName("packets_in")] uint PacketsIn,
        [property: JsonPropertyName("packets_out")] uint PacketsOut,
        [property: JsonPropertyName("state")] uint State,
        [property: JsonPropertyName("syn_retransmits")] uint SynRetransmits,
        [property: JsonPropertyName("client_port")] int ClientPort,
        [property: JsonPropertyName("server_port")] int ServerPort,
        [property: JsonPropertyName("flags")] uint Flags);
}
