using System.CommandLine;
using System.Text.RegularExpressions;
using NeTracker.Probe.Cli;
using NeTracker.Testing;

namespace NeTracker.Probe.Tests.Cli;

/// <summary>
/// docs/cli.md and the System.CommandLine tree say the same: a section per command with a row per
/// option (every alias), and no option named anywhere in the page that the tool does not have.
/// An option added, renamed or removed in one and not the other fails here.
/// </summary>
public sealed partial class CliDocsTests
{
    private static readonly string Page = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "cli.md"));

    private static RootCommand Tree() => ProbeCommandLine.CreateRootCommand(new CliEnvironment(TextWriter.Null, TextWriter.Null, _ => throw new InvalidOperationException()));

    [GeneratedRegex(@"^### `([a-z]+)`|^### Every command", RegexOptions.Multiline)]
    private static partial Regex Section();

    [GeneratedRegex(@"`(-{1,2}[a-zA-Z][\w-]*)")]
    private static partial Regex CodeOption();

    [GeneratedRegex(@"(?<![\w/-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])")]
    private static partial Regex AnyOption();

    /// <summary>Section title ("" for "Every command") → the option aliases of its table's rows.</summary>
    private static Dictionary<string, HashSet<string>> DocumentedSections()
    {
        var sections = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var matches = Section().Matches(Page);
        for (int m = 0; m < matches.Count; m++)
        {
            int end = m + 1 < matches.Count ? matches[m + 1].Index : Page.IndexOf("\n## ", matches[m].Index, StringComparison.Ordinal);
            string body = Page[matches[m].Index..(end < 0 ? Page.Length : end)];
            var rows = body.Split('\n').Where(l => l.StartsWith("| `-", StringComparison.Ordinal)).Select(l => l.Split(" | ")[0]);
            sections[matches[m].Groups[1].Value] = rows.SelectMany(r => CodeOption().Matches(r).Select(c => c.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        }
        return sections;
    }

    private static HashSet<string> Aliases(IEnumerable<Option> options)
        => options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Every_command_has_a_section_listing_exactly_its_options()
    {
        var root = Tree();
        var sections = DocumentedSections();
        var commands = root.Subcommands.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(commands.Order(), sections.Keys.Where(k => k.Length > 0).Order());
        foreach (var command in root.Subcommands)
            Assert.True(Aliases(command.Options).SetEquals(sections[command.Name]),
                $"{command.Name}: the tool has {string.Join(" ", Aliases(command.Options).Order())}; docs/cli.md lists {string.Join(" ", sections[command.Name].Order())}");
        Assert.True(Aliases(root.Options).SetEquals(sections[""]), "Every command: " + string.Join(" ", Aliases(root.Options).Order()));
    }

    [Fact]
    public void Every_option_the_page_names_is_one_the_tool_has()
    {
        var root = Tree();
        var known = Aliases(root.Options.Concat(root.Subcommands.SelectMany(c => c.Options)));
        var unknown = AnyOption().Matches(Page).Select(m => m.Groups[1].Value).Where(o => !known.Contains(o)).Distinct().ToList();
        Assert.True(unknown.Count == 0, "named in docs/cli.md, not an option of the tool: " + string.Join(", ", unknown));
    }

    [Fact]
    public void Every_exit_code_the_tool_returns_is_in_the_page()
    {
        foreach (var code in new[] { ProbeCommandLine.Ok, ProbeCommandLine.RuntimeError, ProbeCommandLine.UsageError, ProbeCommandLine.NotPermitted, ProbeCommandLine.KernelRefused, ProbeCommandLine.Interrupted })
            Assert.Matches($@"(?m)^\| {code} \| ", Page);
    }
}
