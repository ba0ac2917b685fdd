using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using NeTracker.Probe;
using NeTracker.Web.Configuration;
using NeTracker.Web.History;
using NeTracker.Web.Resilience;
using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Docs;

/// <summary>
/// The names the README and docs/ give a user are the ones the code has: every configuration key
/// they name exists in an options class, every key of the options classes is in
/// docs/configuration.md, and every metric they name is on /metrics. A name that drifts fails here.
/// </summary>
public sealed partial class DocumentedNamesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Each section and the class it binds.</summary>
    private static readonly (string Section, Type Options)[] Sections =
    [
        (NeTrackerOptions.Section, typeof(NeTrackerOptions)),
        (LiveOptions.Section, typeof(LiveOptions)),
        (HistoryOptions.Section, typeof(HistoryOptions)),
        (LiveServices.ProbeOptionsSection, typeof(ProbeOptions)),
        (ProbeHostOptions.Section, typeof(ProbeHostOptions)),
        (LimitsOptions.Section, typeof(LimitsOptions)),
        (SecurityOptions.Section, typeof(SecurityOptions)),
        (NeTracker.Web.Metrics.OtlpOptions.Section, typeof(NeTracker.Web.Metrics.OtlpOptions)),
    ];

    /// <summary>Keys read outside the options classes, where they are read (none: every key is bound).</summary>
    private static readonly string[] ReadDirectly = [];

    /// <summary>ProbeOptions the dashboard sets itself (the console tool per command), never from configuration.</summary>
    private static readonly string[] SetByTheDashboard =
        ["NeTracker:Probe:InstanceName", "NeTracker:Probe:ReadEvents", "NeTracker:Probe:DetachOnDispose"];

    private static IEnumerable<(string File, string Text)> Documents() =>
        new[] { Path.Combine(RepoPaths.Root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md"))
            .Select(f => (Path.GetRelativePath(RepoPaths.Root, f), File.ReadAllText(f)));

    /// <summary>Every configuration key the options classes bind: Section:Property, nested classes as
    /// Section:Property:Inner, list items as Section:Property:N:Inner.</summary>
    private static HashSet<string> BoundKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        void Walk(string prefix, Type type)
        {
            foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
            {
                var key = $"{prefix}:{p.Name}";
                var t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
                var item = t.IsGenericType && typeof(IEnumerable).IsAssignableFrom(t) ? t.GetGenericArguments()[0] : null;
                if (IsOptionsClass(t))
                    Walk(key, t);
                else if (item is not null && IsOptionsClass(item))
                    Walk(key + ":N", item);
                else
                    keys.Add(key);
            }
        }
        foreach (var (section, type) in Sections)
            Walk(section, type);
        // A section bound by another class is not a key of this one (NeTracker:Live is LiveOptions, not NeTrackerOptions.Live).
        keys.ExceptWith(Sections.Select(s => s.Section));
        return keys;
    }

    private static bool IsOptionsClass(Type t) => t.IsClass && t != typeof(string) && t.Namespace?.StartsWith("NeTracker", StringComparison.Ordinal) == true;

    [GeneratedRegex(@"(?<![\w:])((?:NeTracker|Kestrel)(?::[A-Z][A-Za-z0-9]*|:N)+)")]
    private static partial Regex ConfigKey();

    [Fact]
    public void Every_key_the_docs_name_is_bound_and_every_bound_key_is_in_the_configuration_page()
    {
        var bound = BoundKeys();
        var known = bound.Concat(ReadDirectly).Concat(Sections.Select(s => s.Section)).ToHashSet(StringComparer.Ordinal);
        var unknown = Documents()
            .SelectMany(d => ConfigKey().Matches(d.Text).Select(m => (d.File, Key: m.Groups[1].Value)))
            // A prefix of known keys is a section or a group of keys (NeTracker:Security:ApiKeys, NeTracker:History:Postgres).
            .Where(x => !x.Key.StartsWith("Kestrel:", StringComparison.Ordinal)) // ASP.NET Core's own
            .Where(x => !known.Contains(x.Key) && !known.Any(k => k.StartsWith(x.Key + ":", StringComparison.Ordinal)))
            .Select(x => $"{x.File}: {x.Key}")
            .Distinct()
            .ToList();
        Assert.True(unknown.Count == 0, "named in the docs, bound nowhere: " + string.Join(", ", unknown));

        var page = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "configuration.md"));
        var missing = bound.Except(SetByTheDashboard).Where(k => !page.Contains($"`{k}`", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "bound but not in docs/configuration.md: " + string.Join(", ", missing));
    }

    [GeneratedRegex(@"(?<![\w/.])(netracker_[a-z0-9_]+)(?![\w.])")]
    private static partial Regex MetricName();

    /// <summary>Names in the docs that look like metrics and are not: a PostgreSQL table.</summary>
    private static readonly string[] NotMetrics = ["netracker_schema"];

    [Fact]
    public async Task Every_metric_the_docs_name_is_on_the_metrics_endpoint_and_every_family_there_is_documented()
    {
        // With a (fake) in-process probe: the probe's families are written only when one runs.
        await using var app = new Api.HistoryApiFactory();
        using var api = app.CreateAuthenticatedClient();
        var exposition = await api.GetStringAsync("/metrics", Ct);
        var families = exposition.Split('\n')
            .Where(l => l.StartsWith("# TYPE netracker_", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[2])
            .ToHashSet(StringComparer.Ordinal);
        var named = Documents().SelectMany(d => MetricName().Matches(d.Text).Select(m => (d.File, Name: m.Groups[1].Value)))
            .Where(n => !NotMetrics.Contains(n.Name)).Distinct().ToList();
        Assert.NotEmpty(named);
        var absent = named.Where(n => !families.Contains(n.Name) && !families.Contains(Regex.Replace(n.Name, "_(bucket|sum|count)$", "")))
            .Select(n => $"{n.File}: {n.Name}").ToList();
        Assert.True(absent.Count == 0, "named in the docs, not on /metrics: " + string.Join(", ", absent) + "\n/metrics has: " + string.Join(", ", families.Order()));
        var undocumented = families.Except(named.Select(n => n.Name)).Order(StringComparer.Ordinal).ToList();
        Assert.True(undocumented.Count == 0, "on /metrics, in no document: " + string.Join(", ", undocumented));
    }

    [GeneratedRegex(@"\]\(([^)#\s]+)(#[^)]*)?\)")]
    private static partial Regex Link();

    [Fact]
    public void Every_link_between_the_documents_reaches_a_file()
    {
        var broken = Documents()
            .SelectMany(d => Link().Matches(d.Text).Select(m => (d.File, Target: m.Groups[1].Value)))
            .Where(x => !x.Target.Contains("://", StringComparison.Ordinal) && !x.Target.StartsWith("mailto:", StringComparison.Ordinal))
            .Where(x => !Path.Exists(Path.Combine(RepoPaths.Root, Path.GetDirectoryName(x.File)!, x.Target)))
            .Select(x => $"{x.File} -> {x.Target}")
            .ToList();
        Assert.True(broken.Count == 0, "links to nothing: " + string.Join(", ", broken));
    }
}
