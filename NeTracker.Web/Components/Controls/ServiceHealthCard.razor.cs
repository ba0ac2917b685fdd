using System.Globalization;
using Microsoft.AspNetCore.Components;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// Retransmit shares and RTT percentiles per server (address:port) and per client (address),
/// ranked by the share of segments retransmitted, the share of connections that retransmitted,
/// or the p99 RTT: the card that answers "which services lose packets or stall". Each name is a
/// link (<see cref="Href"/>) that filters the page to that endpoint.
/// </summary>
public sealed partial class ServiceHealthCard
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private HealthRank _rank = HealthRank.RetransmitShare;

    [Parameter, EditorRequired] public required EndpointHealthTally? Tally { get; set; }

    /// <summary>The page URL that filters to one row's endpoint.</summary>
    [Parameter, EditorRequired] public required Func<EndpointHealthRow, string> Href { get; set; }

    [Parameter] public string Scope { get; set; } = "matching connections";

    [Parameter] public string EmptyText { get; set; } =
        "No matching connection with health fields: they come from the ring-buffer transport (not the trace transport).";

    [Parameter] public string Id { get; set; } = "service-health";

    [Parameter] public int Top { get; set; } = 5;

    /// <summary>Servers and clients in two columns on extra-large screens (seven columns each need the width) rather than one above the other.</summary>
    [Parameter] public bool SideBySide { get; set; }

    internal static string Percent(double share) => (share * 100).ToString("0.00", Inv) + "%";
}
