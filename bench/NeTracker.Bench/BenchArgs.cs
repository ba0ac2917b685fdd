namespace NeTracker.Bench;

/// <summary>The options of both commands; each reads the ones it needs.</summary>
public sealed record BenchArgs
{
    public const string Usage =
        "usage: NeTracker.Bench subscribe --hub URL --key KEY --out FILE (a {n} in it: SIGHUP moves to the next) [--interface NAME] [--protocol json|messagepack|messagepack-raw] [--form compact|map] [--source groups|stream]\n" +
        "       NeTracker.Bench publish --hub URL --key KEY --count N [--batch N] [--pace-stats URL] [--live RECORDS_PER_S] [--agent NAME]";

    public Uri Hub { get; private init; } = null!;
    public string Key { get; private init; } = "";
    public string? Out { get; private init; }
    public string? Interface { get; private init; }

    /// <summary>The hub protocol of the subscriber: json (default) or messagepack.</summary>
    public bool MessagePack { get; private init; }

    /// <summary>messagepack-raw: batches kept as the bytes sent, not decoded (RawBatches); <c>decode</c> makes the lines later.</summary>
    public bool Raw { get; private init; }

    /// <summary>
    /// MessagePack: records in the hub's compact (positional) form (SubscribeCompact), the default,
    /// or as maps (<c>--form map</c>, Subscribe). JSON is always maps.
    /// </summary>
    public bool Compact { get; private init; } = true;

    /// <summary>Subscribe with the StreamRecords stream (the live store, as the pages see it) instead of the hub groups.</summary>
    public bool Stream { get; private init; }
    public int Count { get; private init; }
    public int Batch { get; private init; } = 5_000;

    /// <summary>/api/stats of the dashboard: publishing pauses while its history writer is behind.</summary>
    public Uri? PaceStats { get; private init; }

    /// <summary>Publish at this rate with records that end as they are sent (close → subscriber latency); 0: as fast as acknowledged, records in the past hour.</summary>
    public int Live { get; private init; }

    /// <summary>The agent name (and host column) of the published records.</summary>
    public string Agent { get; private init; } = "bench-synthetic";

    public static bool TryParse(string[] args, out BenchArgs options, out string error)
    {
        options = new BenchArgs();
        error = "";
        for (var i = 0; i < args.Length; i++)
        {
            if (i + 1 >= args.Length)
            {
                error = $"{args[i]} needs a value";
                return false;
            }
            var v = args[++i];
            switch (args[i - 1])
            {
                case "--hub" when Uri.TryCreate(v, UriKind.Absolute, out var u): options = options with { Hub = u }; break;
                case "--pace-stats" when Uri.TryCreate(v, UriKind.Absolute, out var p): options = options with { PaceStats = p }; break;
                case "--key": options = options with { Key = v }; break;
                case "--out": options = options with { Out = v }; break;
                case "--interface": options = options with { Interface = v }; break;
                case "--protocol" when v is "json" or "messagepack" or "messagepack-raw":
                    options = options with { MessagePack = v != "json", Raw = v == "messagepack-raw" };
                    break;
                case "--count" when int.TryParse(v, out var n) && n > 0: options = options with { Count = n }; break;
                case "--batch" when int.TryParse(v, out var b) && b > 0: options = options with { Batch = b }; break;
                case "--form" when v is "compact" or "map": options = options with { Compact = v == "compact" }; break;
                case "--source" when v is "groups" or "stream": options = options with { Stream = v == "stream" }; break;
                case "--live" when int.TryParse(v, out var l) && l > 0: options = options with { Live = l }; break;
                case "--agent" when v.Length is > 0 and <= 64: options = options with { Agent = v }; break;
                default:
                    error = $"bad option {args[i - 1]} {v}";
                    return false;
            }
        }
        if (options.Hub is null)
            error = "--hub is required";
        return error.Length == 0;
    }
}
