using NeTracker.Probe.Model;

namespace NeTracker.Web.Tests.Agents;

/// <summary>
/// Records mutated at random from a valid one, for the adversarial test: every field, every kind of
/// wrong value (null, a wrong type, out of range, an undefined enum, too long, control characters,
/// a bad or mismatched address, times out of the window or inconsistent). Each mutation is wrong by
/// the schema whatever the rest of the record holds, so each mutated record must be refused.
/// </summary>
internal static class HostileRecords
{
    private static readonly Func<Random, Dictionary<string, object?>, object?>[] Any =
    [
        (_, _) => null,
        (_, _) => new object[] { 1, "two" },        // an array where a scalar belongs
        (_, _) => new Dictionary<string, object?> { ["x"] = 1 }, // a map
    ];

    /// <summary>For each field, values that are wrong for it (beyond <see cref="Any"/>, which fits none
    /// of the required ones; for the nullable fields a null is valid, so they draw from their own list).</summary>
    private static readonly Dictionary<string, Func<Random, Dictionary<string, object?>, object?>[]> Wrong = new()
    {
        ["id"] = [(r, _) => (long)r.Next(1, int.MaxValue), (_, _) => -1L, (_, _) => "one"],
        ["host"] = [(_, _) => new string('h', RecordLimits.MaxHostChars + 1), (r, _) => $"ho{(char)r.Next(0, 32)}st", (_, _) => "a\u007fb", (_, _) => "x\u0085y", (_, _) => 42, (r, _) => $"host-{r.Next(5)}"],
        ["interface"] = [(_, _) => "", (_, _) => "eth 0", (_, _) => "-veth", (_, _) => new string('e', 16), (_, _) => "a/b", (_, _) => "if\n0", (_, _) => 7],
        ["ifindex"] = [(r, _) => -r.Next(1, 1000), (_, _) => "seven", (_, _) => 1e20, (_, _) => 3_000_000_000L],
        ["direction"] = [(r, _) => r.Next(3, 1000), (_, _) => -1, (_, _) => "sideways", (_, _) => "INBOUND!"],
        // Never the other family: with both addresses mutated to it as well, the record would be valid again.
        ["family"] = [(_, _) => 9, (_, _) => "ipv5"],
        ["client_addr"] = [(_, _) => "not-an-ip", (_, _) => "999.0.0.1", (_, _) => 42, (_, f) => f["family"] as string == "ipv4" ? "2001:db8::1" : "198.18.0.9"],
        ["server_addr"] = [(_, _) => "", (_, _) => "1.2.3", (_, f) => f["family"] as string == "ipv4" ? "::1" : "127.0.0.1"],
        ["client_port"] = [(_, _) => -1, (r, _) => r.Next(65_536, int.MaxValue), (_, _) => "http", (_, _) => 1e12],
        ["server_port"] = [(_, _) => -80, (_, _) => 70_000, (_, _) => true],
        ["start_utc"] = [(_, f) => f["end_utc"] is DateTime end ? end.AddSeconds(5) : "later", (_, _) => new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Utc), (_, _) => "yesterday", (_, _) => 17L],
        ["end_utc"] = [(_, _) => new DateTime(9999, 12, 31, 23, 0, 0, DateTimeKind.Utc), (_, _) => DateTime.UtcNow.AddDays(2), (_, _) => new DateTime(1990, 1, 1, 0, 0, 0, DateTimeKind.Utc), (_, _) => "soon"],
        ["duration_ns"] = [(r, _) => -(long)r.Next(1, int.MaxValue), (_, f) => f["duration_ns"] is long d ? d + 10_000_000_000L : -1L, (_, _) => "long"],
        ["close_reason"] = [(r, _) => r.Next(7, 1000), (_, _) => "exploded", (_, _) => -3],
        ["closed_by"] = [(_, _) => 9, (_, _) => "alien"],
        ["bytes_in"] = [(r, _) => -(long)r.Next(1, int.MaxValue), (_, _) => "many"],
        ["bytes_out"] = [(_, _) => -1L, (_, _) => 1.5],
        ["packets_in"] = [(_, _) => -2L, (_, _) => "x"],
        ["packets_out"] = [(_, _) => -7L],
        ["syn_retransmits"] = [(_, _) => -1, (_, _) => 1_000_000_000_000L],
        ["partial"] = [(_, _) => "yes", (_, _) => 3],
    };

    /// <summary>Fields where null is valid: only these wrong values.</summary>
    private static readonly Dictionary<string, Func<Random, Dictionary<string, object?>, object?>[]> WrongNullable = new()
    {
        ["synack_ns"] = [(_, _) => -1L, (_, f) => f["duration_ns"] is long d ? d + 1 : -1L, (_, _) => "fast"],
        ["ack_ns"] = [(_, _) => -5L, (_, f) => f["duration_ns"] is long d ? d * 2 + 1 : -1L, (_, _) => new object[] { 1 }],
        ["pid"] = [(r, _) => -r.Next(1, 1000), (_, _) => "init", (_, _) => 5_000_000_000L],
        ["comm"] = [(_, _) => new string('c', RecordLimits.MaxCommChars + 1), (_, _) => "a\u0007b", (_, _) => 12, (_, _) => new string('m', 64 * 1024)],
        ["cgroup"] = [(_, _) => "/" + new string('g', RecordLimits.MaxCgroupChars), (_, _) => "/a\nb", (_, _) => false],
        ["unit"] = [(_, _) => new string('u', RecordLimits.MaxUnitChars + 1), (_, _) => "nginx\u001b[31m.service"],
        ["owner_source"] = [(_, _) => 5, (_, _) => "magic"],
        // The health fields. A valid record has them all (or, from the trace transport, none), so
        // each value below is wrong against the rest: negative, not a number, more retransmitted
        // segments than packets, longer than the connection, RTT out of order or without a
        // sample, a last payload outside the connection.
        ["retrans_c"] = [(_, _) => -1, (_, _) => "many", (_, f) => f["packets_in"] is long i && f["packets_out"] is long o ? i + o + 1 : -1L],
        ["retrans_s"] = [(r, _) => -r.Next(1, 1000), (_, _) => true, (_, _) => 5_000_000_000L],
        ["zero_win_c"] = [(_, _) => -1, (_, _) => "zero"],
        ["zero_win_s"] = [(_, _) => -2, (_, _) => 1.5],
        ["zero_win_ns"] = [(_, _) => -1L, (_, f) => f["duration_ns"] is long d ? d + 10_000_000_000L : -1L, (_, _) => "long"],
        ["rtt_min_ns"] = [(_, _) => -1L, (_, f) => f["rtt_max_ns"] is long m ? m + 1 : 5L],
        ["rtt_avg_ns"] = [(_, _) => "slow", (_, f) => f["rtt_max_ns"] is long m ? m + 1 : 7L],
        ["rtt_max_ns"] = [(_, _) => -9L, (_, f) => f["duration_ns"] is long d ? d + 10_000_000_000L : -1L],
        ["rtt_samples"] = [(_, _) => -1, (_, _) => "many", (_, f) => f["rtt_min_ns"] is null ? -1 : 0],
        ["last_c_utc"] = [(_, f) => f["end_utc"] is DateTime end ? end.AddHours(1) : "later", (_, f) => f["start_utc"] is DateTime start ? start.AddDays(-1) : "earlier", (_, _) => "then"],
        ["last_s_utc"] = [(_, f) => f["end_utc"] is DateTime end ? end.AddSeconds(5) : "later", (_, _) => 17L],
        // Names (docs/names.md): never a canonical host name, whatever name_source holds.
        ["server_name"] = [(_, _) => string.Join('.', Enumerable.Repeat(new string('a', 63), 4)), (_, _) => "API.Example.test", (_, _) => "a b.test",
            (_, _) => "evil\u001b[2J.test", (_, _) => "", (_, _) => "x..y", (_, _) => "<script>", (_, _) => 12, (_, _) => new string('n', 64 * 1024)],
        ["name_source"] = [(_, _) => 9, (_, _) => "magic", (_, _) => -1],
    };

    public static IReadOnlyCollection<string> Fields => [.. Wrong.Keys, .. WrongNullable.Keys];

    /// <summary>A valid record of the agent <paramref name="agent"/> from <paramref name="r"/>, unique by its client port, ending now.</summary>
    public static Dictionary<string, object?> Valid(Random r, string agent, int clientPort, DateTime now)
    {
        var v6 = r.Next(4) == 0;
        // Longer than the handshake phases Records.Make sets (40 µs + 20 µs), or the valid record is not.
        var duration = 100_000 + (long)r.Next(1, 2_000_000) * r.Next(1, 1000);
        var record = Records.Make(0, iface: $"veth{r.Next(3)}", durationNs: duration, endUtc: now.AddMilliseconds(-r.Next(0, 60_000)),
            reason: (CloseReason)r.Next(7), direction: (Direction)r.Next(3),
            client: v6 ? "2001:db8::2" : "198.18.0.2", clientPort: clientPort, server: v6 ? "2001:db8::1" : "198.18.0.1",
            serverPort: r.Next(1, 65_536), host: r.Next(2) == 0 ? "" : agent);
        if (r.Next(2) == 0)
            record = record with { Pid = r.Next(1, 100_000), Comm = "nginx", Cgroup = "/system.slice/nginx.service", Unit = "nginx.service", OwnerSource = OwnerSource.Kernel };
        if (r.Next(3) == 0)
            record = record with { SynAckNs = null, AckNs = null, ClosedBy = ClosedBy.None, Partial = true };
        if (r.Next(4) != 0)
            record = Healthy(r, record);
        if (r.Next(2) == 0)
            record = record with { ServerName = r.Next(2) == 0 ? "api.payments.internal" : "_grpc._tcp.svc.test", NameSource = (NameSource)r.Next(4) };
        return RawBatches.Fields(record);
    }

    /// <summary>Health fields that fit <paramref name="record"/>: counts within its packets, times within its life.</summary>
    private static ConnectionRecord Healthy(Random r, ConnectionRecord record)
    {
        var packets = (int)(record.PacketsIn + record.PacketsOut);
        var min = r.NextInt64(1, Math.Max(2, record.DurationNs / 4));
        var span = record.EndUtc - record.StartUtc;
        return record with
        {
            RetransC = r.Next(0, packets / 2 + 1),
            RetransS = r.Next(0, packets / 2 + 1),
            ZeroWinC = r.Next(0, 100),
            ZeroWinS = r.Next(0, 100),
            ZeroWinNs = r.NextInt64(0, record.DurationNs + 1),
            RttMinNs = min,
            RttAvgNs = min * 2,
            RttMaxNs = min * 3,
            RttSamples = r.Next(1, 1000),
            LastCUtc = record.StartUtc + span / 2,
            LastSUtc = r.Next(2) == 0 ? null : record.EndUtc,
        };
    }

    /// <summary>Mutates one to three fields of <paramref name="fields"/>; returns the first field mutated.</summary>
    public static string Mutate(Random r, Dictionary<string, object?> fields)
    {
        var names = Fields.ToArray();
        string? first = null;
        for (var n = r.Next(1, 4); n > 0; n--)
        {
            var name = names[r.Next(names.Length)];
            first ??= name;
            var values = WrongNullable.TryGetValue(name, out var nullable)
                ? nullable
                : [.. Wrong[name], .. Any];
            fields[name] = values[r.Next(values.Length)](r, fields);
        }
        return first!;
    }
}
