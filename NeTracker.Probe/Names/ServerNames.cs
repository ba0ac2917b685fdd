using NeTracker.Probe.Model;
using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using NeTracker.Probe.Abi;
using NeTracker.Probe.RingBuffer;

namespace NeTracker.Probe.Names;

/// <summary>
/// Names the server of each record (docs/names.md): the kernel's payload starts (ring buffer
/// "names", <see cref="NtNameEvent"/>) go in through <see cref="OnEvent"/> — DNS answers into the
/// <see cref="NameCache"/>, a connection's ClientHello or HTTP Host into <see cref="PendingNames"/>
/// — and <see cref="ForRecord"/> gives a finished connection its name: the connection's own SNI
/// (or Host) first, then the DNS answer its client got, then, when on, reverse DNS. Malformed input
/// is counted (<see cref="Counters"/>) and never thrown out of <see cref="OnEvent"/>.
/// </summary>
public sealed class ServerNames : IAsyncDisposable
{
    private readonly Func<ulong> _nowNs;
    private readonly ReverseDns? _reverse;
    private readonly List<DnsAddress> _answers = [];

    public ServerNames(NameSettings settings, Func<ulong> nowNs, NameCounters? counters = null,
        Func<IPAddress, CancellationToken, Task<string?>>? reverseLookup = null)
    {
        Counters = counters ?? new NameCounters();
        Settings = settings;
        _nowNs = nowNs;
        Cache = new NameCache(settings.CacheEntries, settings.MinTtl, settings.MaxTtl, Counters);
        Pending = new PendingNames(settings.PendingConnections, Counters);
        if (settings.ReverseDns)
            _reverse = new ReverseDns(settings.ReverseDnsPerSecond, settings.CacheEntries, Counters, reverseLookup);
    }

    public NameSettings Settings { get; }
    public NameCounters Counters { get; }
    public NameCache Cache { get; }
    public PendingNames Pending { get; }

    /// <summary>One record of the ring buffer "names". Never throws.</summary>
    public void OnEvent(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < NtNameEvent.SizeOf)
        {
            Interlocked.Increment(ref Counters.EventsMalformed);
            return;
        }
        var ev = MemoryMarshal.Read<NtNameEvent>(bytes);
        if (ev.Size != NtNameEvent.SizeOf || ev.EventVersion != NtNameEvent.Version || ev.Len > NtNameEvent.Cap || ev.Len > ev.WireLen
            || ev.IfIndex is 0 or > int.MaxValue)
        {
            Interlocked.Increment(ref Counters.EventsMalformed);
            return;
        }
        var data = bytes.Slice(NtNameEvent.HeaderSize, ev.Len);
        var ipv6 = (ev.Flags & NtNameEvent.FlagIpv6) != 0;
        switch (ev.Kind)
        {
            case NtNameEvent.KindDnsUdp:
                Dns(data, ev.Len < ev.WireLen, Address(ev.DstAddr, ipv6), ev.TsNs);
                break;
            case NtNameEvent.KindDnsTcp:
                DnsOverTcp(data, Address(ev.DstAddr, ipv6), ev.TsNs);
                break;
            case NtNameEvent.KindFirstSegment:
                First(data, (int)ev.IfIndex, Address(ev.SrcAddr, ipv6), ev.SrcPort, Address(ev.DstAddr, ipv6), ev.DstPort);
                break;
            default:
                Interlocked.Increment(ref Counters.EventsMalformed);
                break;
        }
    }

    /// <summary>A DNS message (the UDP payload), answering <paramref name="client"/>.</summary>
    public void Dns(ReadOnlySpan<byte> message, bool cut, IPAddress client, ulong tsNs)
    {
        _answers.Clear();
        var outcome = DnsMessage.Parse(message, _answers);
        if (outcome == DnsOutcome.Truncated && !cut && _answers.Count == 0)
            outcome = DnsOutcome.Malformed; // the whole datagram is here: a short one is broken, not cut
        switch (outcome)
        {
            case DnsOutcome.Ok:
                Interlocked.Increment(ref Counters.DnsResponses);
                break;
            case DnsOutcome.NotResponse:
                Interlocked.Increment(ref Counters.DnsNotResponse);
                return;
            case DnsOutcome.Truncated:
                Interlocked.Increment(ref Counters.DnsTruncated);
                break;
            default:
                Interlocked.Increment(ref Counters.DnsMalformed);
                return; // a broken message teaches nothing, not even its first answers
        }
        foreach (var a in _answers)
        {
            Cache.Put(client, a.Address, a.Name, a.Ttl, tsNs);
            Interlocked.Increment(ref Counters.DnsAddresses);
        }
    }

    /// <summary>A TCP segment from port 53: messages with 2-byte length prefixes (RFC 7766 §8).
    /// A segment that is the middle of a message cannot be read alone: counted truncated.</summary>
    private void DnsOverTcp(ReadOnlySpan<byte> data, IPAddress client, ulong tsNs)
    {
        for (var i = 0; i < 16 && data.Length > 0; i++)
        {
            if (data.Length < 2)
            {
                Interlocked.Increment(ref Counters.DnsTruncated);
                return;
            }
            int len = BinaryPrimitives.ReadUInt16BigEndian(data);
            if (len + 2 > data.Length)
            {
                // Either a longer message than this segment (or the copy), or no length prefix at all.
                Interlocked.Increment(ref Counters.DnsTruncated);
                return;
            }
            Dns(data.Slice(2, len), false, client, tsNs);
            data = data[(2 + len)..];
        }
    }

    private void First(ReadOnlySpan<byte> data, int ifindex, IPAddress client, int clientPort, IPAddress server, int serverPort)
    {
        var tls = data.Length > 0 && data[0] == 0x16;
        var outcome = tls ? TlsClientHello.Parse(data, out var name) : HttpHost.Parse(data, out name);
        switch (outcome)
        {
            case FirstSegmentOutcome.Ok:
                Interlocked.Increment(ref tls ? ref Counters.TlsNames : ref Counters.HttpNames);
                Pending.Put(ifindex, client, clientPort, server, serverPort, name!, tls ? NameSource.Sni : NameSource.Http);
                break;
            case FirstSegmentOutcome.NoName:
                Interlocked.Increment(ref Counters.FirstNoName);
                break;
            case FirstSegmentOutcome.Truncated:
                Interlocked.Increment(ref Counters.FirstTruncated);
                break;
            default:
                Interlocked.Increment(ref Counters.FirstMalformed);
                break;
        }
    }

    /// <summary>The name of a connection (its own first segment's, else DNS, else reverse DNS).
    /// <paramref name="take"/>: its record is built, the connection's own name is let go.</summary>
    public (string? Name, NameSource? Source) ForRecord(int ifindex, IPAddress client, int clientPort, IPAddress server, int serverPort,
        ulong endNs, bool take = true)
    {
        if (Pending.Get(ifindex, client, clientPort, server, serverPort, take) is { } own)
            return Count(own.Name, own.Source, take);
        if (Cache.Get(client, server, endNs, _nowNs()) is { } dns)
            return Count(dns, NameSource.Dns, take);
        if (_reverse?.Get(server) is { } rdns)
            return Count(rdns, NameSource.Rdns, take);
        if (take)
            Interlocked.Increment(ref Counters.RecordsUnnamed);
        return (null, null);
    }

    private (string?, NameSource?) Count(string name, NameSource source, bool take)
    {
        if (take)
        {
            switch (source)
            {
                case NameSource.Sni: Interlocked.Increment(ref Counters.RecordsSni); break;
                case NameSource.Dns: Interlocked.Increment(ref Counters.RecordsDns); break;
                case NameSource.Http: Interlocked.Increment(ref Counters.RecordsHttp); break;
                default: Interlocked.Increment(ref Counters.RecordsRdns); break;
            }
        }
        return (name, source);
    }

    private static IPAddress Address(in NtEvent.Address16 a, bool ipv6) => NtEvent.Address(a, ipv6);

    public async ValueTask DisposeAsync()
    {
        if (_reverse is not null)
            await _reverse.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>How names are found and kept (ProbeOptions' Name* keys, docs/configuration.md).</summary>
public sealed record NameSettings
{
    public int CacheEntries { get; init; } = 65536;
    public TimeSpan MinTtl { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan MaxTtl { get; init; } = TimeSpan.FromHours(6);
    public int PendingConnections { get; init; } = 65536;
    public bool ReverseDns { get; init; }
    public int ReverseDnsPerSecond { get; init; } = 5;
}
