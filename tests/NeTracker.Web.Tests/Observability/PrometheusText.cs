using System.Globalization;

namespace NeTracker.Web.Tests.Observability;

/// <summary>Just enough of the text format to check values: "name{labels} value" lines, and the families' TYPE lines.</summary>
internal static class PrometheusText
{
    public static Dictionary<string, double> Samples(string text)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var space = line.LastIndexOf(' ');
            result[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return result;
    }

    /// <summary>Family name → type, from the "# TYPE name type" lines (the first, if a name repeats).</summary>
    public static Dictionary<string, string> Families(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')))
            result.TryAdd(p[2], p[3]);
        return result;
    }
}
