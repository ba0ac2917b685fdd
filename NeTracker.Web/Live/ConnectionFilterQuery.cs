using System.Globalization;
using NeTracker.Probe.Model;
using NeTracker.Web.Data;

namespace NeTracker.Web.Live;

/// <summary>
/// A <see cref="ConnectionFilter"/> as query parameters of the REST API and CSV export
/// (<c>/api/connections.csv</c>): host, interface, address, port, direction, close_reason,
/// min_duration_ns, program, from, to — schema names for enum values, ISO 8601 UTC for times.
/// </summary>
public static class ConnectionFilterQuery
{
    public const string CsvPath = "/api/connections.csv";

    public static string CsvUrl(ConnectionFilter filter) => CsvPath + ToQueryString(filter);

    public static string ToQueryString(ConnectionFilter f)
    {
        var pairs = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
                pairs.Add(name + "=" + Uri.EscapeDataString(value));
        }
        Add("host", f.Host);
        Add("interface", f.Interface);
        Add("address", f.Address?.ToString());
        Add("port", f.Port?.ToString(CultureInfo.InvariantCulture));
        Add("direction", f.Direction is { } d ? SchemaNames.Of(d) : null);
        Add("close_reason", f.CloseReason is { } r ? SchemaNames.Of(r) : null);
        Add("min_duration_ns", f.MinDurationNs?.ToString(CultureInfo.InvariantCulture));
        Add("program", f.Program);
        Add("from", f.FromUtc is { } from ? SchemaNames.Of(from) : null);
        Add("to", f.ToUtc is { } to ? SchemaNames.Of(to) : null);
        return pairs.Count == 0 ? "" : "?" + string.Join('&', pairs);
    }
}
