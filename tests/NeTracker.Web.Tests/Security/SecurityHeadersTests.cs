using System.Net;

namespace NeTracker.Web.Tests.Security;

public sealed class SecurityHeadersTests
{
    [Theory]
    [InlineData("/login")]
    [InlineData("/css/app.css")]
    [InlineData("/metrics")]
    public async Task Every_response_carries_the_security_headers_and_no_server_header(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        app.UseKestrel(0); // the real server: TestServer never writes a Server header anyway
        app.StartServer();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.ServerAddress() };
        using var response = await client.GetAsync(path, ct);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"{(int)response.StatusCode}");

        var csp = string.Join(';', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self' 'nonce-", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.False(response.Headers.Contains("Server"), "Server header present");
    }

    [Fact]
    public async Task The_importmap_carries_the_nonce_of_its_response()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var client = app.CreateClient();
        using var response = await client.GetAsync("/login", ct);
        var csp = string.Join(';', response.Headers.GetValues("Content-Security-Policy"));
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        var html = await response.Content.ReadAsStringAsync(ct);
        Assert.Contains($"nonce=\"{nonce}\"", html, StringComparison.Ordinal);
    }
}
