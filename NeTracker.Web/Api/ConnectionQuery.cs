using System.Globalization;
using System.Net;
using NeTracker.Probe.Model;
using K = NeTracker.Web.Api.ConnectionFilterQuery;
using NeTracker.Web.Store;

namespace NeTracker.Web.Api;

/// <summary>
/// The query string of /api/connections(.csv) parsed into the shared <see cref="ConnectionFilter"/>
/// plus paging. Every problem is reported at once, in words; unknown parameters are errors, so a
/// typo ("inteface=") never silently returns everything.
/// </summary>
internal sealed record ConnectionQuery(ConnectionFilter Filter, int Limit, long? Cursor, bool Ascending)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    private static readonly IReadOnlyList<string> FilterKeys = ConnectionFilterQuery.Keys;

    private static readonly string[] PagingKeys = ["limit", "cursor", "order"];

    public static IReadOnlyList<string> AllKeys { get; } = [.. FilterKeys, .. PagingKeys];

    /// <summary>Parses; <paramref name="errors"/> is empty when the query is good.</summary>
    public static ConnectionQuery Parse(IQueryCollection q, bool paging, out List<string> errors)
    {
        var errs = new List<string>();
        var allowed = paging ? AllKeys : FilterKeys;
        foreach (var (key, values) in q)
        {
            if (!allowed.Contains(key, StringComparer.Ordinal))
                errs.Add($"Unknown parameter '{key}'. Allowed: {string.Join(", ", allowed)}.");
            else if (values.Count > 1)
                errs.Add($"Parameter '{key}' is given {values.Count} times; give it once.");
        }

        string? Text(string key) => q.TryGetValue(key, out var v) && v.Count == 1 && !string.IsNullOrEmpty(v[0]) ? v[0] : null;

        T? Parsed<T>(string key, TryParser<T> parse, string expected) where T : struct
        {
            if (Text(key) is not { } s)
                return null;
            if (parse(s, out var value))
                return value;
            errs.Add($"'{key}={s}' is not valid: expected {expected}.");
            return null;
        }

        var host = Text(K.Host);
        var iface = Text(K.Interface);
        if (host is { Length: > 255 }) errs.Add("'host' is longer than 255 characters.");
        var program = Text(K.Program);
        if (program is { Length: > 64 }) errs.Add("'program' is longer than 64 characters.");
        if (iface is not null && !NeTracker.Probe.Tc.InterfaceName.TryValidate(iface, out var ifaceProblem))
            errs.Add($"'interface={iface}': {ifaceProblem}");
        IPAddress? address = null;
        if (Text(K.Address) is { } a && !IPAddress.TryParse(a, out address))
            errs.Add($"'address={a}' is not an IPv4 or IPv6 address.");
        var port = Parsed<int>(K.Port, (string s, out int v) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v) && v <= 65535, "a port number 0-65535");
        var direction = Parsed<Direction>(K.Direction, (string s, out Direction v) => SchemaNames.TryParseDirection(s, out v) && !int.TryParse(s, out _), "inbound or outbound");
        var reason = Parsed<CloseReason>(K.CloseReason, (string s, out CloseReason v) => SchemaNames.TryParseCloseReason(s, out v) && !int.TryParse(s, out _),
            "one of fin, rst, refused, unanswered, timeout, evicted, detached");
        var minNs = Parsed<long>(K.MinDurationNs, (string s, out long v) => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v), "a whole number of nanoseconds >= 0");
        var maxNs = Parsed<long>(K.MaxDurationNs, (string s, out long v) => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v), "a whole number of nanoseconds >= 0");
        var from = Parsed<DateTime>(K.From, TryParseTime, "an ISO 8601 time such as 2026-11-26T02:00:00Z");
        var to = Parsed<DateTime>(K.To, TryParseTime, "an ISO 8601 time such as 2026-11-26T02:10:00Z");
        var had = Parsed<ConnectionTrouble>(K.Had, ConnectionTroubleNames.TryParse, "retransmits or zero_window");
        var name = Text(K.Name);
        var namePattern = NamePattern.Normalize(name);
        if (name is not null && namePattern is null)
            errs.Add($"'name' must be a server name of at most {NamePattern.MaxLength} characters (a-z, 0-9, '-', '_', '.'), '*' for any run of them.");
        if (from is { } f && to is { } t && f >= t)
            errs.Add("'from' must be earlier than 'to'.");

        var limit = Parsed<int>("limit", (string s, out int v) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v) && v is >= 1 and <= MaxLimit,
            $"a number from 1 to {MaxLimit}") ?? DefaultLimit;
        var cursor = Parsed<long>("cursor", (string s, out long v) => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out v), "the next_cursor of the previous page");
        var ascending = false;
        if (Text("order") is { } order)
        {
            if (order is "asc" or "desc")
                ascending = order == "asc";
            else
                errs.Add($"'order={order}' is not valid: expected asc or desc.");
        }

        errors = errs;
        var filter = new ConnectionFilter
        {
            Host = host, Interface = iface, Address = address, Port = port, Direction = direction,
            CloseReason = reason, MinDurationNs = minNs, MaxDurationNs = maxNs, Program = program, FromUtc = from, ToUtc = to, Had = had, ServerName = namePattern,
        };
        return new ConnectionQuery(filter, limit, cursor, ascending);
    }

    private delegate bool TryParser<T>(string s, out T value);

    /// <summary>ISO 8601 date or date-time; an offset converts to UTC, none means UTC.</summary>
    internal static bool TryParseTime(string s, out DateTime utc)
    {
        utc = default;
        if (s.Length < 10 || !char.IsAsciiDigit(s[0]) || s[4] != '-' || s[7] != '-')
            return false;
        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            return false;
        utc = t.UtcDateTime;
        return true;
    }
}
