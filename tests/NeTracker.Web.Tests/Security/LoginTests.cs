using System.Net;

namespace NeTracker.Web.Tests.Security;

public sealed class LoginTests
{
    [Fact]
    public async Task Login_page_is_anonymous_and_carries_an_antiforgery_token()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        using var page = await client.GetAsync("/login", ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync(ct);
        Assert.NotEmpty(NeTrackerAppFactory.AntiforgeryToken(html));
        Assert.Contains("type=\"password\"", html, StringComparison.Ordinal);
        // Static page: no circuit is offered before sign-in.
        Assert.DoesNotContain("<!--Blazor:{\"type\":\"server\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Right_password_sets_a_cookie_that_opens_pages_and_the_api()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        using var login = await NeTrackerAppFactory.PostLoginAsync(client, NeTrackerAppFactory.AdminPassword, ct, "/login?ReturnUrl=%2Fhistory");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/history", login.Headers.Location?.PathAndQuery);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("NeTracker.", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var home = await client.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        using var negotiate = await client.PostAsync("/_blazor/negotiate?negotiateVersion=1", null, ct);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
    }

    [Fact]
    public async Task Wrong_password_shows_a_message_and_sets_no_cookie()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        using var login = await NeTrackerAppFactory.PostLoginAsync(client, "not-the-password", ct);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("Wrong password.", await login.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.False(login.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("NeTracker.", StringComparison.Ordinal)));
        using var home = await client.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
    }

    [Fact]
    public async Task A_login_post_without_the_antiforgery_token_is_rejected()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        using var post = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.Password"] = NeTrackerAppFactory.AdminPassword,
        }), ct);
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
        Assert.False(post.Headers.Contains("Set-Cookie") && post.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("NeTracker.", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Repeated_wrong_passwords_are_throttled_with_429_even_for_the_right_password()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory
        {
            Settings =
            {
                ["NeTracker:Security:LoginThrottle:FailuresPerClient"] = "3",
                ["NeTracker:Security:LoginThrottle:BaseDelay"] = "00:05:00",
            },
        };
        using var client = app.CreateClient(new() { AllowAutoRedirect = false });
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await NeTrackerAppFactory.PostLoginAsync(client, "guess-" + i, ct);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }
        using var throttled = await NeTrackerAppFactory.PostLoginAsync(client, NeTrackerAppFactory.AdminPassword, ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.FromMinutes(4));
        Assert.Contains("Too many failed sign-ins", await throttled.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        using var home = await client.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
    }

    [Fact]
    public async Task A_signed_in_browser_is_never_throttled_by_failed_sign_ins()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory
        {
            Settings =
            {
                ["NeTracker:Security:LoginThrottle:FailuresPerClient"] = "1",
                ["NeTracker:Security:LoginThrottle:FailuresGlobal"] = "1",
                ["NeTracker:Security:LoginThrottle:BaseDelay"] = "00:05:00",
            },
        };
        using var signedIn = await app.CreateSignedInClientAsync(ct: ct);
        using var anonymous = app.CreateClient(new() { AllowAutoRedirect = false });
        using (var fail = await NeTrackerAppFactory.PostLoginAsync(anonymous, "guess", ct))
            Assert.Equal(HttpStatusCode.OK, fail.StatusCode);
        using (var locked = await NeTrackerAppFactory.PostLoginAsync(anonymous, NeTrackerAppFactory.AdminPassword, ct))
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await NeTrackerAppFactory.PostLoginAsync(signedIn, "guess-" + i, ct);
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }
        using var right = await NeTrackerAppFactory.PostLoginAsync(signedIn, NeTrackerAppFactory.AdminPassword, ct);
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
    }

    [Fact]
    public async Task Logout_is_a_post_with_antiforgery_and_ends_the_session()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = new NeTrackerAppFactory();
        using var client = await app.CreateSignedInClientAsync(ct: ct);
        var form = await client.GetStringAsync("/logout", ct);
        using var logout = await client.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "logout",
            ["__RequestVerificationToken"] = NeTrackerAppFactory.AntiforgeryToken(form),
        }), ct);
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal("/login", logout.Headers.Location?.PathAndQuery);
        using var home = await client.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
    }

    [Theory]
    [InlineData("/history", "/history")]
    [InlineData("/interfaces?x=1", "/interfaces?x=1")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example/", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("/login", "/")]
    [InlineData(null, "/")]
    public void Return_url_stays_on_this_site(string? url, string expected)
    {
        Assert.Equal(expected, NeTracker.Web.Components.Pages.Login.LocalReturnUrl(url));
    }
}
