using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using NeTracker.Web.Configuration;

namespace NeTracker.Web.Security;

/// <summary>
/// Authentication for everything: a fallback authorization policy makes every endpoint —
/// pages, the Blazor circuit, hubs, REST, whatever is added later — require a signed-in
/// user unless it is explicitly marked [AllowAnonymous] (the login page, static assets,
/// /healthz). Browsers sign in with a cookie; scripts and remote probes send an API key.
/// </summary>
public static class SecurityServices
{
    /// <summary>Picks the cookie or the API key handler per request.</summary>
    public const string DefaultScheme = "NeTracker";
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string ApiKeyScheme = "ApiKey";

    public static void AddNeTrackerSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);

        services.AddNeTrackerOptions<SecurityOptions, ValidateSecurityOptions>(builder.Configuration, SecurityOptions.Section);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var admin = new AdminCredential(
                sp.GetRequiredService<IOptions<SecurityOptions>>(), sp.GetRequiredService<IOptions<NeTrackerOptions>>(),
                sp.GetRequiredService<ILogger<AdminCredential>>());
            // Lives as long as the container: a new password in the configuration applies (and ends sessions) at once.
            sp.GetRequiredService<IOptionsMonitor<SecurityOptions>>().OnChange(admin.Reload);
            return admin;
        });
        services.AddSingleton<ApiKeyRing>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<SessionRegistry>();
        services.AddSingleton<AgentBinding>();
        services.AddSingleton<HubGuard>();
        services.Configure<HubOptions>(o => o.AddFilter<HubGuard>());
        services.AddHostedService<HubRevalidation>();
        services.AddHostedService<ListenAddressCheck>();
        services.AddSingleton<Health.IHealthReporter, SecurityHealthReporter>();
        builder.AddNeTrackerTransportSecurity();

        services.AddAuthentication(DefaultScheme)
            .AddPolicyScheme(DefaultScheme, DefaultScheme, o =>
            {
                o.ForwardDefaultSelector = ctx => ApiKeyAuthenticationHandler.HasKey(ctx.Request) ? ApiKeyScheme : CookieScheme;
                o.ForwardSignIn = CookieScheme;
                o.ForwardSignOut = CookieScheme;
            })
            .AddCookie(CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyScheme, null);
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<IOptions<SecurityOptions>, IOptions<NeTrackerOptions>>(ConfigureCookie);
        KeyScopes.AddPolicies(services.AddAuthorizationBuilder());
        services.AddCascadingAuthenticationState();

        // Keys that protect the cookie and antiforgery tokens live with the data (mode 0700),
        // so a restart does not sign everyone out and no other app on the host can read them.
        services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<NeTrackerOptions>, ILoggerFactory>((km, o, lf) =>
                km.XmlRepository = new FileSystemXmlRepository(KeysDirectory(o.Value.DataDirectory), lf));

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<SecurityOptions>>((f, s) =>
        {
            f.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            f.KnownProxies.Clear();
            f.KnownIPNetworks.Clear();
            foreach (var p in s.Value.TrustedProxies)
            {
                if (IPAddress.TryParse(p, out var ip))
                    f.KnownProxies.Add(ip);
                else if (System.Net.IPNetwork.TryParse(p, out var net))
                    f.KnownIPNetworks.Add(net);
            }
        });
    }

    /// <summary>Between routing and the endpoints: forwarded headers (only from trusted proxies), security headers, authentication, authorization.</summary>
    public static void UseNeTrackerSecurity(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value.TrustedProxies.Count > 0)
            app.UseForwardedHeaders();
        app.UseMiddleware<SecurityHeaders>();
        app.UseAuthentication();
        app.UseMiddleware<SameOrigin>();
        app.UseAuthorization();
    }

    private static void ConfigureCookie(CookieAuthenticationOptions c, IOptions<SecurityOptions> security, IOptions<NeTrackerOptions> options)
    {
        // Cookies ignore ports: two dashboards on one host must not overwrite each other's session.
        c.Cookie.Name = "NeTracker." + options.Value.InstanceName;
        c.Cookie.HttpOnly = true;
        c.Cookie.SameSite = SameSiteMode.Strict;
        c.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        c.LoginPath = "/login";
        c.LogoutPath = "/logout";
        c.AccessDeniedPath = "/login";
        c.ExpireTimeSpan = security.Value.SessionIdleTimeout;
        c.SlidingExpiration = true;
        // Sessions end on the server (SessionRegistry): a sign-in is listed, a sign-out delisted,
        // and every request's cookie is checked against the list, the password and the lifetime.
        c.Events.OnSigningIn = ctx =>
        {
            if (ctx.Principal?.Identity is ClaimsIdentity identity)
                identity.AddClaims(ctx.HttpContext.RequestServices.GetRequiredService<SessionRegistry>().Begin());
            return Task.CompletedTask;
        };
        c.Events.OnSigningOut = ctx =>
        {
            ctx.HttpContext.RequestServices.GetRequiredService<SessionRegistry>().End(ctx.HttpContext.User);
            return Task.CompletedTask;
        };
        c.Events.OnValidatePrincipal = async ctx =>
        {
            if (ctx.Principal is null || ctx.HttpContext.RequestServices.GetRequiredService<SessionRegistry>().Problem(ctx.Principal) is not { } problem)
                return;
            ctx.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SessionRegistry))
                .LogInformation("Refused a session cookie from {Address}: {Problem}.", ctx.HttpContext.Connection.RemoteIpAddress, problem);
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(CookieScheme);
        };
        c.Events.OnRedirectToLogin = ctx =>
        {
            if (IsPageRequest(ctx.HttpContext))
                ctx.Response.Redirect(ctx.RedirectUri);
            else
                ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        };
        c.Events.OnRedirectToAccessDenied = ctx =>
        {
            ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        };
    }

    /// <summary>
    /// Only a browser asking for a page is sent to the login form; everything else (REST,
    /// hubs, the Blazor circuit, metrics, anything added later) gets a plain 401 a script
    /// can act on. A page is a Razor component endpoint, or — when no endpoint matched — a
    /// GET that accepts HTML.
    /// </summary>
    internal static bool IsPageRequest(HttpContext ctx)
    {
        var endpoint = ctx.GetEndpoint();
        if (endpoint is not null)
            return endpoint.Metadata.GetMetadata<ComponentTypeMetadata>() is not null;
        return HttpMethods.IsGet(ctx.Request.Method)
            && ctx.Request.Headers.Accept.Any(a => a?.Contains("text/html", StringComparison.OrdinalIgnoreCase) == true);
    }

    private static DirectoryInfo KeysDirectory(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, "keys");
        if (!Directory.Exists(path))
        {
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(path);
            else
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return new DirectoryInfo(path);
    }
}
