namespace NeTracker.Probe.Names;

/// <summary>
/// What naming saw and did, since start (read without locks; each field changes atomically).
/// On /metrics as the netracker_names_* families (docs/names.md); every malformed input has its
/// counter, so a hostile or broken sender shows up instead of vanishing.
/// </summary>
public sealed class NameCounters
{
    // DNS responses (one per message)
    public long DnsResponses;
    public long DnsMalformed;
    public long DnsTruncated;
    public long DnsNotResponse;

    /// <summary>Address → name entries learned (one per A/AAAA answer).</summary>
    public long DnsAddresses;

    // First client segments (one per connection that started like TLS or HTTP/1)
    public long TlsNames;
    public long HttpNames;
    public long FirstNoName;
    public long FirstMalformed;
    public long FirstTruncated;

    /// <summary>Events of "names" of an unknown size, version or kind, refused.</summary>
    public long EventsMalformed;

    // The address → name cache
    public long CacheEntries;
    public long CacheEvictedTtl;
    public long CacheEvictedSize;

    /// <summary>First-segment names of connections not finished yet, pushed out by newer ones.</summary>
    public long PendingEvicted;

    // Records, by where their name came from
    public long RecordsSni;
    public long RecordsDns;
    public long RecordsRdns;
    public long RecordsHttp;
    public long RecordsUnnamed;

    // Reverse DNS (off by default)
    public long RdnsLookups;
    public long RdnsFailed;
    public long RdnsRateLimited;

    // The kernel's side (map "stats": NT_STAT_NAMES, NT_STAT_NAME_DROPS), since the program was loaded
    public long KernelCopied;
    public long KernelDropped;
}
