using System.Net;
using NeTracker.Web.Security;

namespace NeTracker.Web.Tests.Security;

/// <summary>
/// A signed-in browser's cookie opens hubs and sends POSTs only from the dashboard's own origin
/// (SameSite=Strict lets another port of the same host through); a POST to /api also needs an
/// antiforgery token — or a key, which a cross-origin page cannot send.
/// </summary>
public sealed class SameOriginTests
{
    // The in-memory TestServer's own origin.
    private const string Own = "http://localhost";

    [Fact]
    public async Task A_signed_in_post_to_the_api_needs_the_own_origin_and_an_antiforgery_token()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var browser = app.CreateClient(new() { AllowAutoRedirect = false });
        await Sessions.SignInAsync(browser, ct: ct);
        var token = NeTrackerAppFactory.AntiforgeryToken(await browser.GetStringAsync("/logout", ct));

        var otherPort = await DetachAsync(browser, "http://localhost:8081", token, ct);
        Assert.Equal(HttpStatusCode.Forbidden, otherPort.Status);
        Assert.Contains("cross-origin request refused: Origin http://localhost:8081", otherPort.Body, StringComparison.Ordinal);

        var noToken = await DetachAsync(browser, Own, null, ct);
        Assert.Equal(HttpStatusCode.Forbidden, noToken.Status);
        Assert.Contains("antiforgery token", noToken.Body, StringComparison.Ordinal);

        // Past both checks: this dashboard has no local probe.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await DetachAsync(browser, Own, token, ct)).Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await DetachAsync(browser, null, token, ct)).Status);

        // A key needs neither: a cross-origin page cannot send one.
        using var script = app.CreateAuthenticatedClient();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await DetachAsync(script, null, null, ct)).Status);
    }

    [Theory]
    [InlineData("/hubs/connections/negotiate?negotiateVersion=1")]
    [InlineData("/_blazor/negotiate?negotiateVersion=1")]
    public async Task A_signed_in_hub_or_circuit_opens_only_from_the_own_or_an_allowed_origin(string negotiate)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory { Settings = { ["NeTracker:Security:AllowedOrigins:0"] = "https://netracker.example.org" } };
        using var browser = app.CreateClient(new() { AllowAutoRedirect = false });
        await Sessions.SignInAsync(browser, ct: ct);

        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateAsync(browser, negotiate, ("Origin", "http://localhost:5081"), ct));
        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateAsync(browser, negotiate, ("Origin", "null"), ct));
        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateAsync(browser, negotiate, ("Origin", "null"), ct, ("Sec-Fetch-Site", "cross-site")));
        // Chromium's form POST under Referrer-Policy: no-referrer.
        Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(browser, negotiate, ("Origin", "null"), ct, ("Sec-Fetch-Site", "same-origin")));
        Assert.Equal(HttpStatusCode.Forbidden, await NegotiateAsync(browser, negotiate, ("Sec-Fetch-Site", "same-site"), ct));
        Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(browser, negotiate, ("Origin", Own), ct));
        Assert.Equal(HttpStatusCode.OK, await NegotiateAsync(browser, negotiate, ("Origin", "https://NeTracker.example.org"), ct));
    }

    [Theory]
    [InlineData("https://a.example", "https://a.example")]
    [InlineData("https://A.example:443/", "https://a.example")]
    [InlineData("http://a.example:8080", "http://a.example:8080")]
    [InlineData("https://a.example/path", null)]
    [InlineData("https://user@a.example", null)]
    [InlineData("ftp://a.example", null)]
    [InlineData("null", null)]
    public void Origins_compare_in_their_normal_form(string origin, string? expected) =>
        Assert.Equal(expected, SameOrigin.Normalize(origin));

    private static async Task<(HttpStatusCode Status, string Body)> DetachAsync(HttpClient client, string? origin, string? token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/interfaces/lo/detach");
        if (origin is not null)
            request.Headers.Add("Origin", origin);
        if (token is not null)
            request.Headers.Add("RequestVerificationToken", token);
        using var response = await client.SendAsync(request, ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    private static async Task<HttpStatusCode> NegotiateAsync(HttpClient client, string path, (string Name, string Value) header, CancellationToken ct,
        params (string Name, string Value)[] more)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        foreach (var (name, value) in more.Prepend(header))
            request.Headers.Add(name, value);
        using var response = await client.SendAsync(request, ct);
        return response.StatusCode;
    }
}
