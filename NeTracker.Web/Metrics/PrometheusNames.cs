using System.Diagnostics.Metrics;
using System.Text;

namespace NeTracker.Web.Metrics;

/// <summary>
/// The Prometheus name of an instrument, by the OpenTelemetry rules for Prometheus
/// (the collector's and the SDK exporters'): dots to underscores, the unit as a suffix
/// (s → _seconds, By → _bytes; annotations like {connection} dropped), _total for counters.
/// NeTracker's instrument names are chosen so these rules give /metrics' names, so a backend fed
/// over OTLP and one scraping /metrics see the same series.
/// </summary>
public static class PrometheusNames
{
    public static string Of(Instrument instrument) => Of(instrument.Name, instrument.Unit, IsCounter(instrument));

    public static string Of(string name, string? unit, bool counter)
    {
        var sb = new StringBuilder(name.Length + 16);
        foreach (var ch in name)
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch == '_' ? ch : '_');
        var suffix = unit switch
        {
            "s" => "_seconds",
            "ms" => "_milliseconds",
            "By" => "_bytes",
            _ => "",
        };
        if (suffix.Length > 0 && !sb.ToString().EndsWith(suffix, StringComparison.Ordinal))
            sb.Append(suffix);
        if (counter && !sb.ToString().EndsWith("_total", StringComparison.Ordinal))
            sb.Append("_total");
        return sb.ToString();
    }

    /// <summary>A label name: dots and anything else outside [a-zA-Z0-9_] become underscores.</summary>
    public static string Label(string key)
    {
        var sb = new StringBuilder(key.Length);
        foreach (var ch in key)
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch == '_' ? ch : '_');
        return sb.ToString();
    }

    /// <summary>Monotonic sums: Prometheus counters. Up-down counters and gauges are gauges.</summary>
    public static bool IsCounter(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
            return false;
        var definition = type.GetGenericTypeDefinition();
        return definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>);
    }

    public static bool IsHistogram(Instrument instrument)
        => instrument.GetType() is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(Histogram<>);
}
