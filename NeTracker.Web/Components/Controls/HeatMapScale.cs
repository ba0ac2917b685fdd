using System.Globalization;

namespace NeTracker.Web.Components.Controls;

/// <summary>Colours and time ticks of the duration heat map (pure functions, tested alone).</summary>
internal static class HeatMapScale
{
    // Viridis at five stops: ordered in lightness, readable by colour-blind people, and every
    // stop stands out from both the light and the dark theme's surface.
    private static readonly (double R, double G, double B)[] Viridis =
        [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)];

    /// <summary>
    /// Colour of a cell with <paramref name="count"/> connections when the fullest cell holds
    /// <paramref name="max"/>: log-scaled, so one slow connection still shows beside a thousand fast ones.
    /// </summary>
    public static string Colour(long count, long max)
    {
        var t = max <= 1 ? 1 : Math.Log(count) / Math.Log(max);
        return Colour(Math.Clamp(t, 0, 1));
    }

    public static string Colour(double t)
    {
        var x = t * (Viridis.Length - 1);
        var i = Math.Min((int)x, Viridis.Length - 2);
        var f = x - i;
        var (a, b) = (Viridis[i], Viridis[i + 1]);
        return string.Create(CultureInfo.InvariantCulture,
            $"#{(int)(a.R + ((b.R - a.R) * f)):x2}{(int)(a.G + ((b.G - a.G) * f)):x2}{(int)(a.B + ((b.B - a.B) * f)):x2}");
    }

    private static readonly TimeSpan[] TickSteps =
    [
        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1),
        TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15),
        TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(3),
        TimeSpan.FromHours(6), TimeSpan.FromHours(12), TimeSpan.FromDays(1),
    ];

    /// <summary>About <paramref name="target"/> round times between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public static IReadOnlyList<DateTime> TimeTicks(DateTime from, DateTime to, int target = 6)
    {
        var span = to - from;
        if (span <= TimeSpan.Zero)
            return [];
        var step = TickSteps.FirstOrDefault(s => s * target >= span, TickSteps[^1]);
        var first = new DateTime((from.Ticks + step.Ticks - 1) / step.Ticks * step.Ticks, DateTimeKind.Utc);
        var ticks = new List<DateTime>();
        for (var t = first; t <= to; t += step)
            ticks.Add(t);
        return ticks;
    }

    /// <summary>Clock labels: seconds when ticks are under a minute apart, the date when the range spans days.</summary>
    public static string TimeFormat(TimeSpan span) =>
        span > TimeSpan.FromDays(1) ? "MM-dd HH:mm" : span <= TimeSpan.FromMinutes(6) ? "HH:mm:ss" : "HH:mm";
}
