using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;

namespace NeTracker.Web.Security;

/// <summary>
/// The scopes an API key carries and the authorization policies named after them. A signed-in
/// browser (the admin account) holds every scope; a key holds those its configuration lists, or
/// all of them when it lists none (<see cref="ApiKeyOptions.Scopes"/>). Every endpoint without
/// its own policy needs <see cref="Read"/> (the fallback policy), so nothing added later is open
/// to a publish-only agent key.
/// </summary>
public static class KeyScopes
{
    public const string Read = "read";
    public const string Publish = "publish";
    public const string Admin = "admin";

    /// <summary>Policy of the hub endpoint itself: any authenticated caller; each hub method then asks for its scope (<see cref="HubGuard"/>).</summary>
    public const string Connect = "connect";

    public static readonly IReadOnlyList<string> All = [Read, Publish, Admin];

    public const string ScopeClaim = "netracker:scope";
    public const string AgentClaim = "netracker:agent";
    public const string KeyIdClaim = "netracker:key-id";
    public const string KeyNameClaim = "netracker:key";
    public const string LegacyClaim = "netracker:legacy-key";

    public static bool IsApiKey(ClaimsPrincipal user) =>
        user.HasClaim(ApiKeyAuthenticationHandler.AuthMethodClaim, "apikey");

    /// <summary>A browser session holds every scope; a key the ones it was given.</summary>
    public static bool Has(ClaimsPrincipal user, string scope) =>
        user.Identity?.IsAuthenticated == true && (!IsApiKey(user) || user.HasClaim(ScopeClaim, scope));

    public static AuthorizationPolicy Policy(string scope) => new AuthorizationPolicyBuilder()
        .RequireAuthenticatedUser()
        .RequireAssertion(c => Has(c.User, scope))
        .Build();

    public static void AddPolicies(AuthorizationBuilder builder)
    {
        builder.SetFallbackPolicy(Policy(Read));
        foreach (var scope in All)
            builder.AddPolicy(scope, Policy(scope));
        builder.AddPolicy(Connect, new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
    }
}
