using NeTracker.Probe.Abi;
using NeTracker.Probe.Names;

namespace NeTracker.Probe;

/// <summary>Naming the remote end (docs/names.md): what the kernel copies, how long names are kept.</summary>
public sealed partial record ProbeOptions
{
    /// <summary>Learn names from the DNS responses (UDP and TCP port 53) seen on attached interfaces.</summary>
    public bool NameDns { get; init; } = true;

    /// <summary>Name a connection by the server_name of its TLS ClientHello (any port).</summary>
    public bool NameTls { get; init; } = true;

    /// <summary>Name a plaintext connection by the Host header of its first HTTP/1 request. Off by
    /// default: the copy then includes the request line, which may carry a path and query.</summary>
    public bool NameHttpHost { get; init; }

    /// <summary>Address → name entries kept from DNS answers (two per answer: per client and any client).</summary>
    public int NameCacheEntries { get; init; } = 65536;

    /// <summary>The shortest an answer is kept, whatever its TTL: a record is named when its
    /// connection ends, and clients keep answers past their TTL.</summary>
    public TimeSpan NameCacheMinTtl { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest an answer is kept, whatever its TTL.</summary>
    public TimeSpan NameCacheMaxTtl { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Reverse DNS (PTR) of a server no DNS answer or ClientHello named: the last fallback,
    /// asynchronous (a record never waits for it; later ones of the address get the answer).</summary>
    public bool ReverseDns { get; init; }

    /// <summary>Reverse lookups per second at most.</summary>
    public int ReverseDnsPerSecond { get; init; } = 5;

    /// <summary>The nt_config.names bits the kernel program is given.</summary>
    internal uint KernelNameBits => (NameDns ? NtNameEvent.ConfigDns : 0) | (NameTls ? NtNameEvent.ConfigTls : 0)
                                    | (NameHttpHost ? NtNameEvent.ConfigHttp : 0);

    internal NameSettings NameSettings => new()
    {
        CacheEntries = NameCacheEntries,
        MinTtl = NameCacheMinTtl,
        MaxTtl = NameCacheMaxTtl,
        PendingConnections = Math.Max(1024, MaxConnections / 2),
        ReverseDns = ReverseDns,
        ReverseDnsPerSecond = ReverseDnsPerSecond,
    };

    private IEnumerable<string> ValidateNames()
    {
        if (NameCacheEntries is < 16 or > 16_777_216)
            yield return "NameCacheEntries must be between 16 and 16777216.";
        if (NameCacheMinTtl < TimeSpan.Zero || NameCacheMaxTtl <= TimeSpan.Zero || NameCacheMaxTtl > TimeSpan.FromDays(7) || NameCacheMinTtl > NameCacheMaxTtl)
            yield return "NameCacheMinTtl and NameCacheMaxTtl must satisfy 0 <= min <= max <= 7 days.";
        if (ReverseDnsPerSecond is < 1 or > 1000)
            yield return "ReverseDnsPerSecond must be between 1 and 1000.";
    }
}
