using System.Net;
using NeTracker.Probe.Model;

namespace NeTracker.Web.Store;

/// <summary>
/// The one filter used by the live table, the history page, the REST API and CSV export.
/// Null fields do not filter. Address matches either endpoint; port matches either port.
/// </summary>
public sealed record ConnectionFilter
{
    public string? Host { get; init; }
    public string? Interface { get; init; }
    public IPAddress? Address { get; init; }
    public int? Port { get; init; }
    public Direction? Direction { get; init; }
    public CloseReason? CloseReason { get; init; }
    public long? MinDurationNs { get; init; }

    /// <summary>Exclusive upper bound on duration_ns (a heat-map cell is [min, max)).</summary>
    public long? MaxDurationNs { get; init; }

    /// <summary>Part of the owner's command (comm) or unit/container name, case-sensitive
    /// (comm is case-sensitive); connections without an owner never match.</summary>
    public string? Program { get; init; }

    /// <summary>Inclusive lower bound on end_utc.</summary>
    public DateTime? FromUtc { get; init; }

    /// <summary>Exclusive upper bound on end_utc.</summary>
    public DateTime? ToUtc { get; init; }

    /// <summary>The server's name (docs/names.md), <c>*</c> for any run of characters (<see cref="NamePattern"/>,
    /// canonical: lower case); connections without a name never match.</summary>
    public string? ServerName { get; init; }

    /// <summary>Only connections that had this trouble (retransmitted segments or zero windows, either side); records without health fields (the trace transport) never match.</summary>
    public ConnectionTrouble? Had { get; init; }

    public static ConnectionFilter None { get; } = new();

    public bool Matches(ConnectionRecord r) =>
        (Host is null || string.Equals(r.Host, Host, StringComparison.Ordinal))
        && (Interface is null || string.Equals(r.Interface, Interface, StringComparison.Ordinal))
        && (Address is null || r.ClientAddr.Equals(Address) || r.ServerAddr.Equals(Address))
        && (Port is null || r.ClientPort == Port || r.ServerPort == Port)
        && (Direction is null || r.Direction == Direction)
        && (CloseReason is null || r.CloseReason == CloseReason)
        && (MinDurationNs is null || r.DurationNs >= MinDurationNs)
        && (MaxDurationNs is null || r.DurationNs < MaxDurationNs)
        && (Program is null || (r.Comm?.Contains(Program, StringComparison.Ordinal) ?? false)
            || (r.Unit?.Contains(Program, StringComparison.Ordinal) ?? false))
        && (FromUtc is null || r.EndUtc >= FromUtc)
        && (ToUtc is null || r.EndUtc < ToUtc)
        && (Had is null || HadTrouble(r, Had.Value))
        && (ServerName is null || NamePattern.Matches(ServerName, r.ServerName));

    public static bool HadTrouble(ConnectionRecord r, ConnectionTrouble t) => t switch
    {
        ConnectionTrouble.Retransmits => (long)(r.RetransC ?? 0) + (r.RetransS ?? 0) > 0,
        _ => (long)(r.ZeroWinC ?? 0) + (r.ZeroWinS ?? 0) > 0,
    };
}

/// <summary>The filter "had retransmits / zero window" (query value <c>had=retransmits|zero_window</c>).</summary>
public enum ConnectionTrouble
{
    Retransmits,
    ZeroWindow,
}

public static class ConnectionTroubleNames
{
    public static string Of(ConnectionTrouble t) => t == ConnectionTrouble.Retransmits ? "retransmits" : "zero_window";

    public static bool TryParse(string s, out ConnectionTrouble t)
    {
        t = s == "zero_window" ? ConnectionTrouble.ZeroWindow : ConnectionTrouble.Retransmits;
        return s is "retransmits" or "zero_window";
    }

    /// <summary>The same test in SQL (DuckDB and PostgreSQL spell it alike); NULL (not measured) counts as none.</summary>
    public static string Sql(ConnectionTrouble t) => t == ConnectionTrouble.Retransmits
        ? "(coalesce(retrans_c, 0) + coalesce(retrans_s, 0)) > 0"
        : "(coalesce(zero_win_c, 0) + coalesce(zero_win_s, 0)) > 0";
}
