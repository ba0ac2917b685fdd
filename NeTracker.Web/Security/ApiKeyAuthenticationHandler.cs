using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace NeTracker.Web.Security;

/// <summary>
/// Authenticates scripts and remote probes by API key. The key is read from, in order:
/// the <c>X-Api-Key</c> header; <c>Authorization: Bearer KEY</c> (what Prometheus and the
/// SignalR .NET client's AccessTokenProvider send); and, for <c>/hubs/*</c> only, the
/// <c>access_token</c> query parameter — browsers cannot set headers on a WebSocket, so
/// SignalR's JavaScript client puts the token there. URLs end up in proxy logs: prefer the header.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyRing ring)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string HeaderName = "X-Api-Key";
    public const string QueryName = "access_token";
    public const string AuthMethodClaim = "netracker:auth";

    /// <summary>True when the request carries an API key anywhere this handler looks.</summary>
    public static bool HasKey(HttpRequest request) => Read(request) is not null;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Read(Request);
        if (key is null)
            return Task.FromResult(AuthenticateResult.NoResult());
        if (ring.Find(key) is not { } found)
        {
            Logger.LogWarning("Rejected an unknown or revoked API key from {Address} for {Path}.",
                Context.Connection.RemoteIpAddress, Request.Path.Value);
            return Task.FromResult(AuthenticateResult.Fail("Unknown or revoked API key."));
        }
        List<Claim> claims =
        [
            new(ClaimTypes.Name, "apikey:" + found.Name), new(AuthMethodClaim, "apikey"),
            new(KeyScopes.KeyNameClaim, found.Name), new(KeyScopes.KeyIdClaim, found.Id),
        ];
        claims.AddRange(found.Scopes.Select(s => new Claim(KeyScopes.ScopeClaim, s)));
        claims.AddRange(found.Agents.Select(a => new Claim(KeyScopes.AgentClaim, a)));
        if (found.Legacy)
            claims.Add(new Claim(KeyScopes.LegacyClaim, "true"));
        var identity = new ClaimsIdentity(claims, Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"ApiKey header=\"{HeaderName}\"";
        return Task.CompletedTask;
    }

    private static string? Read(HttpRequest request)
    {
        if (request.Headers[HeaderName] is [{ Length: > 0 } header])
            return header;
        if (request.Headers.Authorization is [{ } auth] && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && auth.Length > 7)
            return auth[7..].Trim();
        if (request.Path.StartsWithSegments("/hubs") && request.Query[QueryName] is [{ Length: > 0 } query])
            return query;
        return null;
    }
}
