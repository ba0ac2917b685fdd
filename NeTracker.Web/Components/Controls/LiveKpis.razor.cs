using System.Globalization;
using Microsoft.AspNetCore.Components;
using NeTracker.Web.Store;

namespace NeTracker.Web.Components.Controls;

/// <summary>The Live page's KPI row: open now, closing rate, duration percentiles, losses.</summary>
public partial class LiveKpis
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    [Parameter] public int Active { get; set; }

    [Parameter] public double ClosedPerSecond { get; set; }

    /// <summary>The last minute's aggregates (percentiles).</summary>
    [Parameter, EditorRequired] public required WindowStats Minute { get; set; }

    /// <summary>Events lost by the probe (null when there is no local probe).</summary>
    [Parameter] public long? LostEvents { get; set; }

    private string MinuteCaption => Minute.Count == 0 ? "last minute: none closed" : $"last minute, {Minute.Count.ToString("N0", Inv)} closed";
}
