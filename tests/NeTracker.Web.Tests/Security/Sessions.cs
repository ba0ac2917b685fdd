using System.Net;

namespace NeTracker.Web.Tests.Security;

/// <summary>Signing in and out through the real forms, keeping the session cookie to replay it as a copy would be.</summary>
internal static class Sessions
{
    /// <summary>Signs <paramref name="client"/> in (its cookie container keeps the session) and returns the session cookie ("name=value").</summary>
    public static async Task<string> SignInAsync(HttpClient client, string password = NeTrackerAppFactory.AdminPassword, CancellationToken ct = default)
    {
        using var login = await NeTrackerAppFactory.PostLoginAsync(client, password, ct);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("NeTracker.", StringComparison.Ordinal));
    }

    public static async Task SignOutAsync(HttpClient client, CancellationToken ct)
    {
        var form = await client.GetStringAsync("/logout", ct);
        using var logout = await client.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "logout",
            ["__RequestVerificationToken"] = NeTrackerAppFactory.AntiforgeryToken(form),
        }), ct);
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
    }

    /// <summary>A GET with only this cookie (no cookie container): what anyone holding a copy of it can do.</summary>
    public static async Task<HttpStatusCode> ReplayAsync(NeTrackerAppFactory app, string cookie, CancellationToken ct, string path = "/api/stats")
    {
        using var copy = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        using var response = await copy.SendAsync(request, ct);
        return response.StatusCode;
    }

}
