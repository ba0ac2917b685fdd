using System.Net;
using NeTracker.Probe;

namespace NeTracker.Web.Tests.Components.Layout;

/// <summary>One version everywhere a user or a scraper looks: the page footer, /api/stats and
/// netracker_build_info carry BuildVersion's text (the VERSION file), as `netracker --version` does.</summary>
public sealed class VersionFooterTests
{
    [Fact]
    public async Task The_signed_in_page_footer_api_stats_and_build_info_show_the_same_version()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var browser = await app.CreateSignedInClientAsync(ct: ct);
        using var page = await browser.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        string html = await page.Content.ReadAsStringAsync(ct);
        // The prerendered layout: what the browser shows before the circuit connects.
        var footer = System.Text.RegularExpressions.Regex.Match(html, @"id=""version""[^>]*>([^<]*)<");
        Assert.True(footer.Success, "no element with id=version in the page");
        Assert.Equal($"NeTracker {BuildVersion.Text}", WebUtility.HtmlDecode(footer.Groups[1].Value));
        Assert.StartsWith(File.ReadAllText(Path.Combine(RepoPaths.Root, "VERSION")).Trim(), BuildVersion.Text, StringComparison.Ordinal);

        using var api = app.CreateAuthenticatedClient();
        using var stats = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync("/api/stats", ct));
        Assert.Equal(BuildVersion.Text, stats.RootElement.GetProperty("version").GetString());
        Assert.Contains($"netracker_build_info{{version=\"{BuildVersion.Text}\"", await api.GetStringAsync("/metrics", ct), StringComparison.Ordinal);
    }
}
