using System.Globalization;
using Microsoft.AspNetCore.Components;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// Which servers and clients the connections belong to, ranked by count, by p95 duration or by
/// refused/RST share — ntopng's "top talkers" for connection lifetimes. Each name is a link
/// (<see cref="Href"/>) that filters the page to that endpoint.
/// </summary>
public sealed partial class TopTalkers
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private TalkerRank _rank = TalkerRank.Connections;

    [Parameter, EditorRequired] public required TalkerTally? Tally { get; set; }

    /// <summary>The page URL that filters to one row's endpoint.</summary>
    [Parameter, EditorRequired] public required Func<TalkerRow, string> Href { get; set; }

    [Parameter] public string Scope { get; set; } = "matching connections";

    [Parameter] public string EmptyText { get; set; } = "No connections match: attach an interface on the Interfaces page, or widen the filters.";

    [Parameter] public string Id { get; set; } = "top-talkers";

    [Parameter] public int Top { get; set; } = 5;

    /// <summary>Servers and clients in two columns (a full-width card) rather than one above the other.</summary>
    [Parameter] public bool SideBySide { get; set; }
}
