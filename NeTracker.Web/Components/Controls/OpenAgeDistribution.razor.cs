using System.Globalization;
using Microsoft.AspNetCore.Components;
using NeTracker.Probe;

namespace NeTracker.Web.Components.Controls;

/// <summary>
/// Open connections counted by age in bins from a second to over a week: a database pool or a gRPC
/// stream lives for hours or days, a request for milliseconds, and the shape says which this host has.
/// </summary>
public sealed partial class OpenAgeDistribution
{
    /// <summary>The bins: an age falls in the first whose upper bound is above it.</summary>
    internal static readonly (string Label, TimeSpan Below)[] Bins =
    [
        ("< 1 s", TimeSpan.FromSeconds(1)),
        ("1–10 s", TimeSpan.FromSeconds(10)),
        ("10 s–1 min", TimeSpan.FromMinutes(1)),
        ("1–10 min", TimeSpan.FromMinutes(10)),
        ("10 min–1 h", TimeSpan.FromHours(1)),
        ("1–6 h", TimeSpan.FromHours(6)),
        ("6 h–1 d", TimeSpan.FromDays(1)),
        ("1–7 d", TimeSpan.FromDays(7)),
        ("≥ 7 d", TimeSpan.MaxValue),
    ];

    private int[] _counts = new int[Bins.Length];

    [Parameter, EditorRequired] public IReadOnlyList<ActiveConnection> Items { get; set; } = [];

    /// <summary>The time ages are measured to (the table's ticking clock).</summary>
    [Parameter, EditorRequired] public DateTime Now { get; set; }

    protected override void OnParametersSet() => _counts = Count(Items, Now);

    /// <summary>Open connections per bin of <see cref="Bins"/>; a start after now (clock skew) counts as new.</summary>
    internal static int[] Count(IEnumerable<ActiveConnection> items, DateTime now)
    {
        var counts = new int[Bins.Length];
        foreach (var a in items)
        {
            var age = now - a.StartUtc;
            var i = 0;
            while (age >= Bins[i].Below)
                i++;
            counts[i]++;
        }
        return counts;
    }

    private int Max => Math.Max(1, _counts.Max());

    // At least a sliver per non-empty bin, so one connection among thousands still shows.
    private int Height(int n) => n == 0 ? 2 : Math.Max(3, 40 * n / Max);

    private string AriaLabel => "open connections by age: " + string.Join(", ",
        Bins.Select((b, i) => $"{b.Label} {_counts[i].ToString(CultureInfo.InvariantCulture)}"));
}
