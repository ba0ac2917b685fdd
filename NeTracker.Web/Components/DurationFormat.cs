using System.Globalization;

namespace NeTracker.Web.Components;

/// <summary>Durations for people: three significant digits in the largest fitting unit.</summary>
public static class DurationFormat
{
    public static string Format(long? ns) => ns is { } v ? Format(v) : "–";

    public static string Format(long ns)
    {
        var c = CultureInfo.InvariantCulture;
        double v = ns;
        return Math.Abs(v) switch
        {
            < 1_000 => string.Create(c, $"{ns} ns"),
            < 1_000_000 => string.Create(c, $"{Sig(v / 1e3)} µs"),
            < 1_000_000_000 => string.Create(c, $"{Sig(v / 1e6)} ms"),
            < 60e9 => string.Create(c, $"{Sig(v / 1e9)} s"),
            < 3600e9 => string.Create(c, $"{(long)(v / 60e9)} min {(long)(v / 1e9 % 60)} s"),
            _ => string.Create(c, $"{(long)(v / 3600e9)} h {(long)(v / 60e9 % 60)} min"),
        };
    }

    /// <summary>An age such as "3 s", "2 min 5 s" for ticking counters.</summary>
    public static string Age(TimeSpan age) => age.TotalSeconds switch
    {
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)age.TotalSeconds)} s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes} min {age.Seconds} s"),
        < 86400 => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours} h {age.Minutes} min"),
        // Database pools and gRPC streams stay open for days.
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays} d {age.Hours} h"),
    };

    private static string Sig(double v) =>
        v.ToString(v >= 100 ? "0" : v >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture);
}
