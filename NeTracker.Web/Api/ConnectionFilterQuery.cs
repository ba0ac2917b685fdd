using System.Globalization;
using NeTracker.Probe.Model;
using NeTracker.Web.Store;

namespace NeTracker.Web.Api;

/// <summary>
/// A <see cref="ConnectionFilter"/> as query parameters of the REST API and CSV export
/// (<c>/api/connections.csv</c>): host, interface, address, port, direction, close_reason,
/// min_duration_ns, max_duration_ns, program, from, to, had (retransmits | zero_window), name (server name, * wildcard) — schema names for enum values, ISO 8601 UTC for times.
/// </summary>
public static class ConnectionFilterQuery
{
    public const string CsvPath = "/api/connections.csv";

    // The parameter names, written once: built here, parsed by ConnectionQuery.
    public const string Host = "host", Interface = "interface", Address = "address", Port = "port",
        Direction = "direction", CloseReason = "close_reason", MinDurationNs = "min_duration_ns", MaxDurationNs = "max_duration_ns", Program = "program", From = "from", To = "to", Had = "had",
        Name = "name";

    public static IReadOnlyList<string> Keys { get; } = [Host, Interface, Address, Port, Direction, CloseReason, MinDurationNs, MaxDurationNs, Program, From, To, Had, Name];

    public static string CsvUrl(ConnectionFilter filter) => CsvPath + ToQueryString(filter);

    public static string ToQueryString(ConnectionFilter f)
    {
        var pairs = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                pairs.Add(name + "=" + Uri.EscapeDataString(value));
        }
        Add(Host, f.Host);
        Add(Interface, f.Interface);
        Add(Address, f.Address?.ToString());
        Add(Port, f.Port?.ToString(CultureInfo.InvariantCulture));
        Add(Direction, f.Direction is { } d ? SchemaNames.Of(d) : null);
        Add(CloseReason, f.CloseReason is { } r ? SchemaNames.Of(r) : null);
        Add(MinDurationNs, f.MinDurationNs?.ToString(CultureInfo.InvariantCulture));
        Add(MaxDurationNs, f.MaxDurationNs?.ToString(CultureInfo.InvariantCulture));
        Add(Program, f.Program);
        Add(From, f.FromUtc is { } from ? SchemaNames.Of(from) : null);
        Add(To, f.ToUtc is { } to ? SchemaNames.Of(to) : null);
        Add(Had, f.Had is { } had ? ConnectionTroubleNames.Of(had) : null);
        Add(Name, f.ServerName);
        return pairs.Count == 0 ? "" : "?" + string.Join('&', pairs);
    }
}
