using System.Globalization;
using System.Text;
using System.Text.Json;
using NeTracker.Probe.Model;

namespace NeTracker.Probe.Cli;

/// <summary>
/// `watch --open`: the open connections with their state (active, idle, zero-window,
/// retransmitting, half-closed), one listing per refresh. Table for people (a header line per
/// listing, oldest first); csv and jsonl one row per open connection per listing, each with the
/// listing's time, the same names as the record where the field is the same.
/// </summary>
public static class OpenConnectionsOutput
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "time_utc", "interface", "direction", "family", "client_addr", "client_port", "server_addr", "server_port",
        "start_utc", "age_s", "state", "tcp_state", "bytes_in", "bytes_out", "retrans_c", "retrans_s", "rtt_avg_ns",
        "last_c_utc", "last_s_utc", "server_name", "name_source",
    ];

    public static void WriteHeader(TextWriter w, string format)
    {
        if (format == RecordOutput.Csv)
            w.Write(string.Join(',', Columns) + "\r\n");
    }

    public static void Write(TextWriter w, string format, IReadOnlyList<ActiveConnection> open, DateTime nowUtc)
    {
        var ordered = open.OrderBy(a => a.StartUtc).ToList();
        switch (format)
        {
            case RecordOutput.Csv:
                foreach (var a in ordered)
                    w.Write(string.Join(',', Values(a, nowUtc).Select(v => Csv(v))) + "\r\n");
                break;
            case RecordOutput.Jsonl:
                foreach (var a in ordered)
                    w.WriteLine(Json(a, nowUtc));
                break;
            default:
                Table(w, ordered, nowUtc);
                break;
        }
    }

    private static object?[] Values(ActiveConnection a, DateTime now) =>
    [
        SchemaNames.Of(now), a.Interface, SchemaNames.Of(a.Direction), SchemaNames.Of(a.Family), a.ClientAddr.ToString(), a.ClientPort,
        a.ServerAddr.ToString(), a.ServerPort, SchemaNames.Of(a.StartUtc), Math.Max(0, (long)(now - a.StartUtc).TotalSeconds),
        a.ActivityName, a.State, a.BytesIn, a.BytesOut, a.RetransC, a.RetransS, a.RttAvgNs,
        a.LastCUtc is { } c ? SchemaNames.Of(c) : null, a.LastSUtc is { } s ? SchemaNames.Of(s) : null,
        a.ServerName, a.NameSource is { } source ? SchemaNames.Of(source) : null,
    ];

    /// <summary>Interface and server names are validated (a host name has no comma or quote) and the
    /// rest are numbers, enums and addresses: no cell needs quoting.</summary>
    private static string Csv(object? v) => v switch
    {
        null => "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    private static string Json(ActiveConnection a, DateTime now)
    {
        using var ms = new MemoryStream();
        using (var j = new Utf8JsonWriter(ms))
        {
            j.WriteStartObject();
            var values = Values(a, now);
            for (var i = 0; i < Columns.Count; i++)
            {
                switch (values[i])
                {
                    case null: j.WriteNull(Columns[i]); break;
                    case string s: j.WriteString(Columns[i], s); break;
                    case int n: j.WriteNumber(Columns[i], n); break;
                    case long n: j.WriteNumber(Columns[i], n); break;
                    default: j.WriteString(Columns[i], Csv(values[i])); break;
                }
            }
            j.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Table(TextWriter w, List<ActiveConnection> open, DateTime now)
    {
        var counts = open.GroupBy(a => a.ActivityName).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        w.WriteLine($"{SchemaNames.Of(now)}  open {open.Count}{(open.Count > 0 ? ": " + string.Join(", ", counts) : "")}");
        if (open.Count == 0)
            return;
        w.WriteLine($"{"AGE",-10} {"STATE",-14} {"IF",-12} {"CLIENT",-28} {"SERVER",-28} {"IN",12} {"OUT",12} {"LAST C/S",-15} {"RETX C/S",-11} {"RTT",-10} NAME");
        foreach (var a in open)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Age(now - a.StartUtc),-10} {a.ActivityName,-14} {a.Interface,-12} {Endpoint(a.ClientAddr, a.ClientPort),-28} {Endpoint(a.ServerAddr, a.ServerPort),-28} {a.BytesIn,12} {a.BytesOut,12} {Since(now, a.LastCUtc) + "/" + Since(now, a.LastSUtc),-15} {a.RetransC + "/" + a.RetransS,-11} {(a.RttAvgNs is { } r ? $"{r / 1e6:0.###}ms" : "-"),-10} {a.ServerName ?? "-"}"));
        }
    }

    private static string Endpoint(System.Net.IPAddress a, int port) =>
        a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{a}]:{port}" : $"{a}:{port}";

    private static string Since(DateTime now, DateTime? t) => t is { } at ? Age(now - at) : "-";

    /// <summary>Seconds, minutes, hours, days: long-lived pools and streams reach days.</summary>
    private static string Age(TimeSpan t) => t.TotalSeconds switch
    {
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)t.TotalSeconds)}s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalMinutes}m{t.Seconds}s"),
        < 86400 => string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}h{t.Minutes}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalDays}d{t.Hours}h"),
    };
}
